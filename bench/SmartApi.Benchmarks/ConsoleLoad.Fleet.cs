using System.Diagnostics;
using System.Globalization;
using MQTTnet;
using SmartApi.Simulator;

namespace SmartApi.Benchmarks;

/// <summary>
/// The <c>console</c> command's devices in a child process (<c>console-devices</c>), so their CPU is
/// not the server's nor the browser driver's: one MQTT connection per device (as the soak's devices),
/// toggling their switch round robin at a fixed rate in total (<see cref="Soak.SwitchAsync"/>).
/// Driven over stdin: <c>start</c>, <c>count</c>, <c>stop</c> (each of the last two answered with
/// <c>published N refused M</c>), then the end of input.
/// </summary>
internal sealed class ConsoleFleet(Process process) : IAsyncDisposable
{
    private (long Published, long Refused)? _stopped;
    private bool _disposed;

    public static async Task<ConsoleFleet> StartAsync(int mqttPort, IReadOnlyList<SimulatedDeviceCredentials> credentials, int rate)
    {
        var process = await FleetProcess.StartChildAsync(["console-devices", mqttPort.ToString(CultureInfo.InvariantCulture), rate.ToString(CultureInfo.InvariantCulture)], credentials);
        return new ConsoleFleet(process);
    }

    public Task StartSwitchingAsync() => SendAsync("start");

    public async Task<(long Published, long Refused)> CountAsync() => _stopped ?? await AskAsync("count");

    /// <summary>Stops switching (the devices stay connected) and answers what was published in all.</summary>
    public async Task<(long Published, long Refused)> PauseAsync() => _stopped ??= await AskAsync("stop");

    public async Task<(long Published, long Refused)> StopAsync()
    {
        var counts = await PauseAsync();
        await DisposeAsync();
        return counts;
    }

    private async Task SendAsync(string command)
    {
        await process.StandardInput.WriteLineAsync(command);
        await process.StandardInput.FlushAsync();
    }

    private async Task<(long, long)> AskAsync(string command)
    {
        await SendAsync(command);
        var parts = (await process.StandardOutput.ReadLineAsync())?.Split(' ');
        if (parts is not ["published", var published, "refused", var refused])
        {
            throw new InvalidOperationException("the device process stopped");
        }
        return (long.Parse(published, CultureInfo.InvariantCulture), long.Parse(refused, CultureInfo.InvariantCulture));
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        process.StandardInput.Close();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (!process.HasExited)
        {
            process.Kill();
        }
        process.Dispose();
    }

    /// <summary><c>console-devices MQTT_PORT RATE</c>: credentials on stdin (serial and password per line, then an empty line).</summary>
    public static async Task<int> ChildAsync(string[] args)
    {
        var (port, rate) = (int.Parse(args[0], CultureInfo.InvariantCulture), int.Parse(args[1], CultureInfo.InvariantCulture));
        var credentials = new List<SimulatedDeviceCredentials>();
        while (Console.ReadLine() is { Length: > 0 } line)
        {
            var parts = line.Split(' ');
            credentials.Add(new SimulatedDeviceCredentials(parts[0], parts[1]));
        }
        var devices = await Soak.ConnectAsync(port, credentials);
        Console.WriteLine($"connected {devices.Length}");
        var (published, refused) = (0L, 0L);
        using var stop = new CancellationTokenSource();
        Task? switching = null;
        while (Console.ReadLine() is { } command)
        {
            switch (command)
            {
                case "start":
                    switching ??= Soak.SwitchAsync(devices, credentials, rate, () => Interlocked.Increment(ref published), () => Interlocked.Increment(ref refused), stop.Token);
                    break;
                case "stop":
                    await stop.CancelAsync();
                    await (switching ?? Task.CompletedTask);
                    Console.WriteLine($"published {Interlocked.Read(ref published)} refused {Interlocked.Read(ref refused)}");
                    break;
                case "count":
                    Console.WriteLine($"published {Interlocked.Read(ref published)} refused {Interlocked.Read(ref refused)}");
                    break;
            }
        }
        await stop.CancelAsync();
        await (switching ?? Task.CompletedTask);
        foreach (var device in devices)
        {
            await device.TryDisconnectAsync();
            device.Dispose();
        }
        return 0;
    }
}
