using System.Diagnostics;

namespace SmartApi.Benchmarks;

/// <summary>The harnesses' child processes (device fleets, receivers): each stops when told "quit" on its standard input.</summary>
internal static class ChildProcess
{
    /// <summary>Asks the child to quit, waits up to <paramref name="grace"/>, kills it if it is still running, and disposes it.</summary>
    public static async Task StopAsync(Process process, TimeSpan grace)
    {
        await process.StandardInput.WriteLineAsync("quit");
        await process.StandardInput.FlushAsync();
        await process.WaitForExitAsync().WaitAsync(grace).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (!process.HasExited)
        {
            process.Kill();
        }
        process.Dispose();
    }
}
