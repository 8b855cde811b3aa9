using WebhookEventTypes = SmartApi.Webhooks.Events.WebhookEventTypes;
using System.Diagnostics;
using Dapper;
using Microsoft.Data.Sqlite;
using SmartApi.Server.Events;
using SmartApi.Storage;
using SmartApi.Storage.Sqlite;

namespace SmartApi.Benchmarks;

/// <summary>
/// The ceiling of the single SQLite writer: one thread commits batches of append units as the
/// store's group commit does, (a) through <see cref="SqliteStoreTransaction"/> with a savepoint
/// per unit, exactly the store's path, and (b) a prototype with prepared statements reused across
/// transactions, the sequence increment folded into the device update, and no savepoints. (b) is
/// not the store; it shows what the suggested changes could buy on this machine.
/// </summary>
internal static class WriterCeiling
{
    private const string UpdateDeviceNextSequence =
        "UPDATE devices SET name = $name, updated_at = $at, sequence = sequence + 1 WHERE organization_id = $org AND id = $id RETURNING sequence, serial";
    private const string InsertEvent =
        "INSERT INTO events (id, organization_id, type, device_id, created_at, data) VALUES ($id, $org, $type, $device, $at, $data) RETURNING position";

    public static async Task<int> RunAsync(LoadOptions options)
    {
        var batch = options.Writers;
        Console.WriteLine($"writer ceiling: {batch} units per commit, {options.Seconds} s per path, load average {AppendLoad.LoadAverage()}");
        foreach (var prepared in new[] { false, true, false, true })
        {
            await using var bench = await BenchStore.CreateAsync(options.Batch);
            var devices = await bench.CreateDevicesAsync(options.Devices);
            await using var connection = new SqliteConnection($"Data Source={bench.DatabasePath}");
            await connection.OpenAsync();
            await connection.ExecuteAsync(Sql.Pragmas);
            using var update = Command(connection, UpdateDeviceNextSequence, "$name", "$at", "$org", "$id");
            using var insert = Command(connection, InsertEvent, "$id", "$org", "$type", "$device", "$at", "$data");
            using var commands = new CommandCache(connection);
            var ids = new IdGenerator(TimeProvider.System);
            var subscriptions = new SubscriptionIndex();
        var deviceCache = new DeviceCache();
        deviceCache.Attach(connection);
            long units = 0;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(options.Seconds))
            {
                using var transaction = connection.BeginTransaction(deferred: false);
                update.Transaction = transaction;
                insert.Transaction = transaction;
                var tx = new SqliteStoreTransaction(commands, transaction, ids, subscriptions, deviceCache);
                for (var i = 0; i < batch; i++, units++)
                {
                    var deviceId = devices[units % devices.Length];
                    var name = "n" + units;
                    if (prepared)
                    {
                        AppendPrepared(bench, update, insert, deviceId, name);
                    }
                    else
                    {
                        await connection.ExecuteAsync("SAVEPOINT unit", transaction: transaction);
                        var device = (await tx.GetDeviceAsync(bench.OrganizationId, deviceId))!;
                        var updated = device with { Name = name, UpdatedAt = DateTimeOffset.UtcNow };
                        await tx.UpdateDeviceAsync(updated);
                        await tx.AppendEventAsync(bench.Events.Create(WebhookEventTypes.DeviceUpdated, bench.OrganizationId, deviceId,
                            new DeviceChangedData(updated.Serial, name, []), EventDataJsonContext.Default.DeviceChangedData));
                        await connection.ExecuteAsync("RELEASE unit", transaction: transaction);
                    }
                }
                transaction.Commit();
            }
            var rate = units / clock.Elapsed.TotalSeconds;
            Console.WriteLine($"  {(prepared ? "prototype: prepared, merged, no savepoints" : "store path: SqliteStoreTransaction + savepoints"),-48} " +
                $"{rate,10:N0} events/s  {1e6 / rate,6:N1} us/event");
        }
        return 0;
    }

    private static void AppendPrepared(BenchStore bench, SqliteCommand update, SqliteCommand insert, string deviceId, string name)
    {
        var now = DateTimeOffset.UtcNow;
        update.Parameters[0].Value = name;
        update.Parameters[1].Value = now.ToUnixTimeMilliseconds();
        update.Parameters[2].Value = bench.OrganizationId;
        update.Parameters[3].Value = deviceId;
        long sequence;
        string serial;
        using (var reader = update.ExecuteReader())
        {
            reader.Read();
            sequence = reader.GetInt64(0);
            serial = reader.GetString(1);
        }
        var newEvent = bench.Events.Create(WebhookEventTypes.DeviceUpdated, bench.OrganizationId, deviceId,
            new DeviceChangedData(serial, name, []), EventDataJsonContext.Default.DeviceChangedData);
        insert.Parameters[0].Value = newEvent.Id;
        insert.Parameters[1].Value = newEvent.OrganizationId;
        insert.Parameters[2].Value = newEvent.Type;
        insert.Parameters[3].Value = deviceId;
        insert.Parameters[4].Value = now.ToUnixTimeMilliseconds();
        insert.Parameters[5].Value = EventData.Compose(deviceId, sequence, newEvent.DataJson);
        _ = (long)insert.ExecuteScalar()!;
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter(name, null));
        }
        return command;
    }
}
