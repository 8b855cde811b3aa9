using System.Text.Json;
using Dapper;
using Npgsql;
using SmartApi.Storage.Sqlite;

namespace SmartApi.Storage.Postgres;

/// <summary>One write unit: a PostgreSQL transaction on its own pooled connection.</summary>
internal sealed partial class PostgresStoreTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction, IdGenerator ids) : IStoreTransaction
{
    // Device sequences taken by UpdateDeviceAsync for the event the same unit appends next.
    private readonly Dictionary<string, long> _reservedSequences = new(StringComparer.Ordinal);

    /// <summary>Events appended in this transaction (the store wakes live streams after commit).</summary>
    public int AppendedEvents { get; private set; }

    public async ValueTask InsertOrganizationAsync(Organization organization) =>
        await connection.ExecuteAsync(Sql.InsertOrganization,
            new { organization.Id, organization.Name, CreatedAt = Ms.Of(organization.CreatedAt) }, transaction);

    public async ValueTask InsertApiKeyAsync(ApiKey key) =>
        await connection.ExecuteAsync(Sql.InsertApiKey, new
        {
            key.Id,
            key.OrganizationId,
            key.Name,
            key.Prefix,
            key.Hash,
            Scopes = JsonSerializer.Serialize(key.Scopes, StorageJsonContext.Default.IReadOnlyListString),
            CreatedAt = Ms.Of(key.CreatedAt),
        }, transaction);

    public async ValueTask<bool> RevokeApiKeyAsync(string organizationId, string id, DateTimeOffset at) =>
        await connection.ExecuteAsync(Sql.RevokeApiKey, new { org = organizationId, id, at = Ms.Of(at) }, transaction) == 1;

    // The tracker sends one use per key; the condition makes the throttle hold across nodes.
    public async ValueTask TouchApiKeysAsync(IReadOnlyList<(string Id, DateTimeOffset UsedAt)> uses, TimeSpan granularity) =>
        await connection.ExecuteAsync(Sql.TouchApiKey,
            uses.Select(u => new { id = u.Id, at = Ms.Of(u.UsedAt), granularity = (long)granularity.TotalMilliseconds }), transaction);

    public async ValueTask InsertDeviceAsync(Device device)
    {
        try
        {
            await connection.ExecuteAsync(Sql.InsertDevice, DeviceRow.Parameters(device), transaction);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new DuplicateKeyException("device", ex);
        }
    }

    public async ValueTask<Device?> GetDeviceAsync(string organizationId, string id) =>
        (await connection.QuerySingleOrDefaultAsync<DeviceRow>(Sql.GetDevice, new { org = organizationId, id }, transaction))?.ToEntity();

    public async ValueTask UpdateDeviceAsync(Device device)
    {
        var sequence = await connection.ExecuteScalarAsync<long?>(Sql.UpdateDevice, new
        {
            device.Id,
            device.OrganizationId,
            device.Name,
            device.Model,
            Tags = DeviceRow.TagsJson(device.Tags),
            device.PowerOnState,
            device.Online,
            LastSeenAt = Ms.Of(device.LastSeenAt),
            device.Switch,
            UpdatedAt = Ms.Of(device.UpdatedAt),
        }, transaction);
        if (sequence is { } reserved)
        {
            _reservedSequences[device.Id] = reserved;
        }
    }

    public async ValueTask<bool> DeleteDeviceAsync(string organizationId, string id)
    {
        var deleted = await connection.ExecuteAsync(Sql.DeleteDevice, new { org = organizationId, id }, transaction) == 1;
        if (deleted)
        {
            await connection.ExecuteAsync(Sql.DeleteDeviceMeasurements, new { id }, transaction);
        }
        return deleted;
    }

    public async ValueTask<StoredEvent> AppendEventAsync(NewEvent newEvent)
    {
        long? sequence = null;
        if (newEvent.DeviceId is { } deviceId)
        {
            // The device row before the event log row, in every unit: one lock order, fewer deadlocks.
            sequence = _reservedSequences.Remove(deviceId, out var reserved)
                ? reserved
                : await connection.ExecuteScalarAsync<long?>(Sql.NextDeviceSequence, new { id = deviceId }, transaction);
        }
        var data = EventData.Compose(newEvent.DeviceId, sequence, newEvent.DataJson);
        var position = await connection.ExecuteScalarAsync<long>(Sql.AppendEvent, new
        {
            id = newEvent.Id,
            org = newEvent.OrganizationId,
            type = newEvent.Type,
            device = newEvent.DeviceId,
            at = Ms.Of(newEvent.CreatedAt),
            data,
        }, transaction);
        await QueueDeliveriesAsync(newEvent, position);
        await QueueRunsAsync(newEvent);
        AppendedEvents++;
        return new StoredEvent(position, newEvent.Id, newEvent.OrganizationId, newEvent.Type, newEvent.DeviceId, newEvent.CreatedAt, data);
    }

    public async ValueTask InsertCommandAsync(Command command) =>
        await connection.ExecuteAsync(Sql.InsertCommand, new
        {
            command.Id,
            command.OrganizationId,
            command.DeviceId,
            command.Action,
            command.State,
            command.Status,
            CreatedAt = Ms.Of(command.CreatedAt),
            UpdatedAt = Ms.Of(command.UpdatedAt),
            ExpiresAt = Ms.Of(command.ExpiresAt),
            command.Error,
            command.Source,
            command.AutomationId,
            Depth = (long)command.Depth,
        }, transaction);

    public async ValueTask<EnergyState?> GetEnergyStateAsync(string deviceId) =>
        (await connection.QuerySingleOrDefaultAsync<EnergyStateRow>(Sql.GetEnergyState, new { id = deviceId }, transaction))?.ToEntity();

    public async ValueTask InsertMeasurementsAsync(IReadOnlyList<MeasurementRow> rows)
    {
        if (rows.Count == 0)
        {
            return;
        }
        await connection.ExecuteAsync(Sql.InsertMeasurements, new
        {
            devices = rows.Select(r => r.DeviceId).ToArray(),
            ts = rows.Select(r => Ms.Of(r.Sample.Ts)).ToArray(),
            power = rows.Select(r => r.Sample.PowerW).ToArray(),
            voltage = rows.Select(r => r.Sample.VoltageV).ToArray(),
            current = rows.Select(r => r.Sample.CurrentA).ToArray(),
            temperature = rows.Select(r => r.Sample.TemperatureC).ToArray(),
            total = rows.Select(r => r.Sample.TotalWh).ToArray(),
            delta = rows.Select(r => r.DeltaWh).ToArray(),
        }, transaction);
    }

    public async ValueTask SetEnergyStateAsync(string deviceId, double totalWh, double? lastCounterWh, Measurement latest) =>
        await connection.ExecuteAsync(Sql.SetEnergyState, new
        {
            id = deviceId,
            total = totalWh,
            counter = lastCounterWh,
            ts = Ms.Of(latest.Ts),
            power = latest.PowerW,
            voltage = latest.VoltageV,
            current = latest.CurrentA,
            temperature = latest.TemperatureC,
        }, transaction);

}
