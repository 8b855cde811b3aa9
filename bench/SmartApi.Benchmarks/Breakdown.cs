using SmartApi.Webhooks.Events;
using System.Diagnostics;
using Dapper;
using Microsoft.Data.Sqlite;
using SmartApi.Server.Events;
using SmartApi.Storage;
using SmartApi.Storage.Sqlite;

namespace SmartApi.Benchmarks;

/// <summary>
/// Times each step of the append transaction on one connection, single-threaded, to show where
/// an event's time goes (the store's writer runs the same steps, one unit after another).
/// </summary>
internal static class Breakdown
{
    public static async Task<int> RunAsync(LoadOptions options)
    {
        await using var bench = await BenchStore.CreateAsync(options.Batch);
        var devices = await bench.CreateDevicesAsync(options.Devices);
        await using var connection = new SqliteConnection($"Data Source={bench.DatabasePath}");
        await connection.OpenAsync();
        await connection.ExecuteAsync(Sql.Pragmas);
        // One statement cache for the run, as the store's writer keeps one for its connection's life.
        using var commands = new CommandCache(connection);
        var ids = new IdGenerator(TimeProvider.System);
        var subscriptions = new SubscriptionIndex();
        var deviceCache = new DeviceCache();
        var webhookCache = new WebhookCache();
        RowChangeHook.Attach(connection, deviceCache, webhookCache);
        var steps = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        var n = 0;
        var until = Stopwatch.StartNew();
        while (until.Elapsed < TimeSpan.FromSeconds(options.Seconds))
        {
            var deviceId = devices[n % devices.Length];
            var clock = Stopwatch.StartNew();
            void Step(string name)
            {
                steps[name] = steps.GetValueOrDefault(name) + clock.Elapsed;
                clock.Restart();
            }
            using (var select1 = connection.CreateCommand())
            {
                select1.CommandText = "SELECT 1";
                select1.ExecuteScalar();
            }
            Step("(reference: SELECT 1, raw ADO.NET)");
            using var transaction = connection.BeginTransaction(deferred: false);
            Step("begin immediate");
            using (var raw = connection.CreateCommand())
            {
                raw.Transaction = transaction;
                raw.CommandText = "SELECT name FROM devices WHERE id = $id";
                raw.Parameters.AddWithValue("$id", deviceId);
                raw.ExecuteScalar();
            }
            Step("(reference: 1-column PK select, raw)");
            var tx = new SqliteStoreTransaction(commands, transaction, ids, subscriptions, deviceCache, webhookCache, new MeasurementInbox(), new SmartApi.Storage.Relational.HandedBatch(null, TimeProvider.System));
            var device = (await tx.GetDeviceAsync(bench.OrganizationId, deviceId))!;
            Step("get device");
            var updated = device with { Name = "n" + n, UpdatedAt = DateTimeOffset.UtcNow };
            var newEvent = bench.Events.Create(WebhookEventTypes.DeviceUpdated, bench.OrganizationId,
                new DeviceChangedData(deviceId, EventFactory.AssignedOnAppend, updated.Serial, updated.Name, NoChanges.Value));
            Step("build event (id, json)");
            await tx.UpdateDeviceAsync(updated);
            Step("update device");
            await tx.AppendEventAsync(newEvent);
            Step("append event (sequence + insert)");
            await connection.ExecuteAsync("SAVEPOINT unit", transaction: transaction);
            await connection.ExecuteAsync("RELEASE unit", transaction: transaction);
            Step("savepoint + release (batched units)");
            transaction.Commit();
            Step("commit");
            n++;
        }
        var total = steps.Where(s => !s.Key.StartsWith('(')).Aggregate(TimeSpan.Zero, (a, s) => a + s.Value);
        Console.WriteLine($"breakdown: {n:N0} transactions, {total.TotalMicroseconds / n:N1} us each (one unit per commit, references excluded), load average {AppendLoad.LoadAverage()}");
        foreach (var (name, time) in steps)
        {
            Console.WriteLine(name.StartsWith('(')
                ? $"  {name,-40} {time.TotalMicroseconds / n,8:N1} us"
                : $"  {name,-40} {time.TotalMicroseconds / n,8:N1} us  {100 * time / total,5:N1} %");
        }
        return 0;
    }
}
