using SmartApi.Webhooks.Events;
using System.Diagnostics;
using SmartApi.Contracts;
using SmartApi.Server.Events;

namespace SmartApi.Benchmarks;

/// <summary>
/// Concurrent writers each change a device and append its <c>device.updated</c> event, in one
/// store transaction, as <c>PATCH /v1/devices/{id}</c> does (<see cref="Server.Devices.DeviceService.UpdateAsync"/>).
/// Reports committed events per second; a writer's next change starts only after its commit.
/// </summary>
internal static class AppendLoad
{
    public static async Task<int> RunAsync(LoadOptions options)
    {
        Console.WriteLine($"append: {options.Writers} writers, {options.Devices} devices, {options.Seconds} s x {options.Runs} runs, " +
            $"max batch {options.Batch}, path {(options.Direct ? "direct transaction" : "DeviceService.UpdateAsync")}, " +
            $"{Environment.ProcessorCount} cores, server GC {System.Runtime.GCSettings.IsServerGC}, load average {LoadAverage()}");
        var rates = new List<double>();
        // Run 0 is a short warm-up (JIT, SQLite page cache) and is not counted.
        for (var run = 0; run <= options.Runs; run++)
        {
            var seconds = run == 0 ? Math.Min(2, options.Seconds) : options.Seconds;
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var (events, elapsed, verified) = await RunOnceAsync(options, TimeSpan.FromSeconds(seconds));
            // Process CPU per event depends less on what else runs on the machine than the rate does.
            var cpuPerEvent = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / events;
            var rate = events / elapsed.TotalSeconds;
            if (run == 0)
            {
                Console.WriteLine($"warm-up: {rate:N0} events/s");
                continue;
            }
            rates.Add(rate);
            Console.WriteLine($"run {run}: {events:N0} events in {elapsed.TotalSeconds:N2} s = {rate:N0} events/s (rows in events table: {verified:N0}), " +
                $"process CPU {cpuPerEvent:N0} us per event");
        }
        rates.Sort();
        var median = rates[rates.Count / 2];
        Console.WriteLine($"median: {median:N0} events/s (target >= 20,000: {(median >= 20_000 ? "met" : "NOT met")}), load average {LoadAverage()}");
        return 0;
    }

    private static async Task<(long Events, TimeSpan Elapsed, long Verified)> RunOnceAsync(LoadOptions options, TimeSpan duration)
    {
        await using var bench = await BenchStore.CreateAsync(options.Batch);
        var devices = await bench.CreateDevicesAsync(options.Devices);
        var before = await bench.CountAsync("events");
        using var stop = new CancellationTokenSource();
        long events = 0;
        var clock = Stopwatch.StartNew();
        var writers = Enumerable.Range(0, options.Writers).Select(w => Task.Run(async () =>
        {
            long count = 0;
            // Writers spread over the devices; with fewer devices than writers some share one.
            for (var i = w; !stop.IsCancellationRequested; i += options.Writers)
            {
                var deviceId = devices[i % devices.Length];
                // A new name each time, so every update is a change and appends an event.
                var name = $"Bench {w}-{i}";
                if (options.Direct)
                {
                    await UpdateDirectAsync(bench, deviceId, name);
                }
                else
                {
                    _ = await bench.Devices.UpdateAsync(bench.OrganizationId, deviceId, new UpdateDeviceRequest(Name: name), CancellationToken.None)
                        ?? throw new InvalidOperationException("device vanished");
                }
                count++;
            }
            Interlocked.Add(ref events, count);
        })).ToArray();
        await Task.Delay(duration);
        await stop.CancelAsync();
        await Task.WhenAll(writers);
        var elapsed = clock.Elapsed;
        var verified = await bench.CountAsync("events") - before;
        if (verified != events)
        {
            throw new InvalidOperationException($"The harness counted {events} events but the table gained {verified}.");
        }
        return (events, elapsed, verified);
    }

    /// <summary>The same transaction as DeviceService.UpdateAsync, without its change detection and diff.</summary>
    private static Task<bool> UpdateDirectAsync(BenchStore bench, string deviceId, string name) =>
        bench.Store.WriteAsync(async tx =>
        {
            var device = await tx.GetDeviceAsync(bench.OrganizationId, deviceId) ?? throw new InvalidOperationException("device vanished");
            var updated = device with { Name = name, UpdatedAt = DateTimeOffset.UtcNow };
            await tx.UpdateDeviceAsync(updated);
            await tx.AppendEventAsync(bench.Events.Create(WebhookEventTypes.DeviceUpdated, bench.OrganizationId,
                new DeviceChangedData(deviceId, EventFactory.AssignedOnAppend, updated.Serial, name, NoChanges.Value)));
            return true;
        });

    /// <summary>Other processes on the machine skew the figures; the load average makes that visible.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
