using System.Text.Json;
using Dapper;
using Npgsql;
using SmartApi.Storage.Sqlite;

namespace SmartApi.Storage.Postgres;

/// <summary>One write unit, inside the batch transaction of <see cref="PostgresWriter"/>.</summary>
internal sealed partial class PostgresStoreTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction, IdGenerator ids) : IStoreTransaction
{
    // Device sequences taken by UpdateDeviceAsync for the event the same unit appends next.
    private readonly Dictionary<string, long> _reservedSequences = new(StringComparer.Ordinal);

    public async ValueTask InsertOrganizationAsync(Organization organization) =>
        await connection.ExecuteAsync(Sql.InsertOrganization,
            new { organization.Id, organization.Name, CreatedAt = Ms.Of(organization.CreatedAt) }, transaction);

    public async ValueTask InsertApiKeyAsync(ApiKey key)
    {
        try
        {
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
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            // Two nodes starting together with the same SmartApi:BootstrapApiKey.
            throw new DuplicateKeyException("api key", ex);
        }
    }

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
        // The data is composed in SQL around the sequence the statement takes: head + sequence + tail
        // is exactly what EventData.Compose makes.
        string head, tail;
        long? reserved = null;
        if (newEvent.DeviceId is { } deviceId)
        {
            var composed = EventData.Compose(deviceId, null, newEvent.DataJson);
            head = "{\"deviceId\":" + JsonSerializer.Serialize(deviceId, StorageJsonContext.Default.String);
            tail = composed[head.Length..];
            reserved = _reservedSequences.Remove(deviceId, out var value) ? value : null;
        }
        else
        {
            head = newEvent.DataJson;
            tail = "";
        }
        var deliveryIds = new string[DeliveryIdsPerAppend];
        for (var i = 0; i < deliveryIds.Length; i++)
        {
            deliveryIds[i] = ids.New("dlv");
        }
        var parameters = new DynamicParameters(new
        {
            id = newEvent.Id,
            org = newEvent.OrganizationId,
            type = newEvent.Type,
            device = newEvent.DeviceId,
            deviceKey = newEvent.DeviceId ?? "",
            target = newEvent.TargetAutomationId,
            at = Ms.Of(newEvent.CreatedAt),
            reserved,
            head,
            tail,
            deliveryIds,
        });
        var appended = await connection.QuerySingleAsync<AppendedRow>(
            newEvent.TargetAutomationId is null ? Sql.AppendEvent : Sql.AppendTargetedEvent, parameters, transaction);
        if (appended.Matched > DeliveryIdsPerAppend)
        {
            await QueueMoreDeliveriesAsync(newEvent, appended.Position, (int)appended.Matched);
        }
        QueuedDeliveries += (int)appended.Matched;
        await QueueRunsAsync(newEvent);
        AppendedEvents++;
        var data = newEvent.DeviceId is null ? head : head + (appended.Sequence is { } s ? ",\"sequence\":" + s.ToString(System.Globalization.CultureInfo.InvariantCulture) : "") + tail;
        return new StoredEvent(appended.Position, newEvent.Id, newEvent.OrganizationId, newEvent.Type, newEvent.DeviceId, newEvent.CreatedAt, data);
    }

    public async ValueTask InsertCommandAsync(Command command)
    {
        InsertedCommands = true;
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
    }

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

    public async ValueTask<bool> SetEnergyStateAsync(string deviceId, double totalWh, double? lastCounterWh, Measurement latest, DateTimeOffset? expectedLatestTs) =>
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
            expected = Ms.Of(expectedLatestTs),
        }, transaction) == 1;

}
