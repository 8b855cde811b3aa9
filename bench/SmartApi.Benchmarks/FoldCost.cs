using System.Diagnostics;
using Microsoft.Data.Sqlite;
using SmartApi.Storage;
using SmartApi.Storage.Sqlite;

namespace SmartApi.Benchmarks;

/// <summary>
/// <c>fold [--devices 1000] [--samples 32768] [--history-days 3] [--runs 5]</c>: how long a fold of the telemetry inboxes
/// (ADR 053) holds the SQLite writer. Each round appends what the ingestor would for that many samples spread over the
/// devices (batches of 4,096, each with one slot change per device), then times the fold unit alone, on a database with
/// that much rollup and sample history per device.
/// </summary>
internal static class FoldCost
{
    public static async Task<int> RunAsync(string[] args)
    {
        int Arg(string name, int fallback) => Array.IndexOf(args, name) is var i and >= 0 ? int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
        var (deviceCount, samples, days, runs) = (Arg("--devices", 1000), Arg("--samples", MeasurementInbox.DefaultFoldAt), Arg("--history-days", 3), Arg("--runs", 5));
        var directory = Directory.CreateTempSubdirectory("smartapi-fold-").FullName;
        try
        {
            var path = Path.Combine(directory, "smartapi.db");
            await using var store = new SqliteSmartApiStore(
                new SqliteStorageOptions { ConnectionString = $"Data Source={path}", MeasurementFoldAt = int.MaxValue }, TimeProvider.System);
            await store.MigrateAsync();
            var devices = Enumerable.Range(0, deviceCount).Select(i => $"dev_01JBENCHFOLD{i:D13}").ToArray();
            var end = DateTimeOffset.UtcNow.AddHours(-3).ToUnixTimeMilliseconds() / RollupHistory.HourMs * RollupHistory.HourMs;
            await RollupHistory.WriteAsync(path, [.. devices.Select(d => (d, "org_bench"))], end - days * 24 * RollupHistory.HourMs, end, samples: 200);
            Console.WriteLine($"fold: {deviceCount:N0} devices, {days} days of rollups and 200 samples each; {samples:N0} samples per fold; load average {AppendLoad.LoadAverage()}");
            var times = new List<double>();
            var ts = end + 1000;
            for (var run = 0; run <= runs; run++)
            {
                var changes = 0;
                for (var appended = 0; appended < samples;)
                {
                    var batch = Math.Min(4096, samples - appended);
                    var rows = new List<MeasurementRow>(batch);
                    for (var i = 0; i < batch; i++, appended++, ts += 10)
                    {
                        rows.Add(new MeasurementRow(devices[appended % deviceCount], new Measurement(DateTimeOffset.FromUnixTimeMilliseconds(ts), 100, 230, 0.45, null, 0), 0.01));
                    }
                    var slots = devices.Take(batch).Select(d => new EnergySlotTotals("org_bench", d, DateTimeOffset.FromUnixTimeMilliseconds(ts / RollupHistory.SlotMs * RollupHistory.SlotMs), 0.1, 4, 400, 4, 120, 4, 4)).ToList();
                    changes += slots.Count;
                    await store.WriteAsync(async tx =>
                    {
                        await tx.InsertMeasurementsAsync(rows);
                        await tx.AddEnergySlotsAsync(slots);
                    });
                }
                var clock = Stopwatch.StartNew();
                await store.WriteAsync(tx => ValueTask.FromResult(((SqliteStoreTransaction)tx).FoldMeasurementInbox()));
                var ms = clock.Elapsed.TotalMilliseconds;
                Console.WriteLine($"{(run == 0 ? "warm-up" : "run")}: {samples:N0} samples and {changes:N0} slot changes folded in {ms:N1} ms ({ms * 1000 / samples:N2} µs per sample)");
                if (run > 0)
                {
                    times.Add(ms);
                }
            }
            times.Sort();
            Console.WriteLine($"median: {times[times.Count / 2]:N1} ms per fold; load average {AppendLoad.LoadAverage()}");
            return 0;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }
}
