using System.Diagnostics;

namespace SmartApi.Benchmarks;

/// <summary>
/// Concurrent readers call <c>GetDeviceAsync</c> on the SQLite store, the storage part of
/// <c>GET /v1/devices/{id}</c>, to tell storage cost from HTTP cost in the HTTP benchmark.
/// </summary>
internal static class ReadLoad
{
    public static async Task<int> RunAsync(LoadOptions options)
    {
        Console.WriteLine($"read: {options.Writers} readers, {options.Seconds} s x {options.Runs} runs, {Environment.ProcessorCount} cores");
        await using var bench = await BenchStore.CreateAsync(options.Batch);
        var devices = await bench.CreateDevicesAsync(options.Devices);
        var rates = new List<double>();
        for (var run = 0; run <= options.Runs; run++)
        {
            var seconds = run == 0 ? Math.Min(2, options.Seconds) : options.Seconds;
            using var stop = new CancellationTokenSource();
            long reads = 0;
            var clock = Stopwatch.StartNew();
            var readers = Enumerable.Range(0, options.Writers).Select(r => Task.Run(async () =>
            {
                long count = 0;
                for (var i = r; !stop.IsCancellationRequested; i += options.Writers)
                {
                    _ = await bench.Store.GetDeviceAsync(bench.OrganizationId, devices[i % devices.Length])
                        ?? throw new InvalidOperationException("device not found");
                    count++;
                }
                Interlocked.Add(ref reads, count);
            })).ToArray();
            await Task.Delay(TimeSpan.FromSeconds(seconds));
            await stop.CancelAsync();
            await Task.WhenAll(readers);
            var rate = reads / clock.Elapsed.TotalSeconds;
            if (run == 0)
            {
                Console.WriteLine($"warm-up: {rate:N0} reads/s");
                continue;
            }
            rates.Add(rate);
            Console.WriteLine($"run {run}: {rate:N0} reads/s");
        }
        rates.Sort();
        Console.WriteLine($"median: {rates[rates.Count / 2]:N0} reads/s");
        return 0;
    }
}
