using SmartApi.Webhooks.Events;
using System.Diagnostics;
using Dapper;
using Microsoft.Data.Sqlite;
using SmartApi.Server.Events;
using SmartApi.Storage;
using SmartApi.Storage.Sqlite;

namespace SmartApi.Benchmarks;

/// <summary>
/// The ceiling of the single SQLite writer: one thread commits batches of append units as the
/// store's group commit does, alternating (a) the store's path, <see cref="SqliteStoreTransaction"/>
/// with its caches (read the device, update it, build and append the event), and (b) bare SQLite:
/// the same two writes per event (device update with its sequence, event insert) as prepared
/// statements through SQLitePCL, with no C# around them. (b) is what SQLite alone costs on this
/// machine with this schema; the gap to (a) is everything the store does besides.
/// </summary>
internal static class WriterCeiling
{
    private const string UpdateDeviceNextSequence =
        "UPDATE devices SET name = @name, updated_at = @at, sequence = sequence + 1 WHERE organization_id = @org AND id = @id RETURNING sequence";
    private const string InsertEvent =
        "INSERT INTO events (id, organization_id, type, device_id, created_at, data) VALUES (@id, @org, @type, @device, @at, @data)";

    public static async Task<int> RunAsync(LoadOptions options)
    {
        var batch = options.Writers;
        Console.WriteLine($"writer ceiling: {batch} units per commit, {options.Seconds} s per path, load average {AppendLoad.LoadAverage()}");
        foreach (var bare in new[] { false, true, false, true })
        {
            await using var bench = await BenchStore.CreateAsync(options.Batch);
            var devices = await bench.CreateDevicesAsync(options.Devices);
            await using var connection = new SqliteConnection($"Data Source={bench.DatabasePath}");
            await connection.OpenAsync();
            await connection.ExecuteAsync(Sql.Pragmas);
            using var commands = new CommandCache(connection);
            var update = RawStatement.For(connection, UpdateDeviceNextSequence, ["@name", "@at", "@org", "@id"]);
            var insert = RawStatement.For(connection, InsertEvent, ["@id", "@org", "@type", "@device", "@at", "@data"]);
            var ids = new IdGenerator(TimeProvider.System);
            var subscriptions = new SubscriptionIndex();
            var deviceCache = new DeviceCache();
            var webhookCache = new WebhookCache();
            RowChangeHook.Attach(connection, deviceCache, webhookCache);
            long units = 0;
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(options.Seconds))
            {
                using var transaction = connection.BeginTransaction(deferred: false);
                var tx = new SqliteStoreTransaction(commands, transaction, ids, subscriptions, deviceCache, webhookCache, new MeasurementInbox(), new SmartApi.Storage.Relational.HandedBatch(null, TimeProvider.System));
                for (var i = 0; i < batch; i++, units++)
                {
                    var deviceId = devices[units % devices.Length];
                    var name = "n" + units;
                    if (bare)
                    {
                        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                        var sequence = update.Bind(0, name).Bind(1, now).Bind(2, bench.OrganizationId).Bind(3, deviceId).ExecuteScalar();
                        insert.Bind(0, ids.New("evt")).Bind(1, bench.OrganizationId).Bind(2, WebhookEventTypes.DeviceUpdated).Bind(3, deviceId).Bind(4, now)
                            .Bind(5, "{\"deviceId\":\"" + deviceId + "\",\"sequence\":" + sequence + ",\"serial\":\"DT31-000001\",\"name\":\"" + name + "\",\"changes\":{}}")
                            .ExecuteInsert();
                    }
                    else
                    {
                        var device = (await tx.GetDeviceAsync(bench.OrganizationId, deviceId))!;
                        var updated = device with { Name = name, UpdatedAt = DateTimeOffset.UtcNow };
                        await tx.UpdateDeviceAsync(updated);
                        await tx.AppendEventAsync(bench.Events.Create(WebhookEventTypes.DeviceUpdated, bench.OrganizationId,
                            new DeviceChangedData(deviceId, EventFactory.AssignedOnAppend, updated.Serial, name, NoChanges.Value)));
                    }
                }
                transaction.Commit();
            }
            var rate = units / clock.Elapsed.TotalSeconds;
            var cpuPerEvent = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / units;
            Console.WriteLine($"  {(bare ? "bare SQLite: update + insert, SQLitePCL" : "store path: SqliteStoreTransaction"),-42} " +
                $"{rate,10:N0} events/s  {1e6 / rate,6:N1} us/event  process CPU {cpuPerEvent,6:N1} us/event");
        }
        return 0;
    }
}
