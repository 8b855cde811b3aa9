using System.Text.Json;
using Npgsql;

namespace SmartApi.Storage.Postgres;

/// <summary>One write unit, inside the batch transaction of <see cref="PostgresWriter"/>.</summary>
internal sealed partial class PostgresStoreTransaction(BatchConnection db, IdGenerator ids) : IStoreTransaction
{
    // Device sequences taken by UpdateDeviceAsync for the event the same unit appends next.
    private readonly Dictionary<string, long> _reservedSequences = new(StringComparer.Ordinal);

    public async ValueTask InsertOrganizationAsync(Organization organization) =>
        await db.ExecuteAsync(Sql.InsertOrganization,
            new { organization.Id, organization.Name, CreatedAt = Ms.Of(organization.CreatedAt) });

    public async ValueTask<bool> RenameOrganizationAsync(string id, string name) =>
        await db.ExecuteAsync(Sql.RenameOrganization, new { id, name }) == 1;

    public async ValueTask<bool> SetOrganizationLimitsAsync(string id, OrganizationLimitOverrides? limits) =>
        await db.ExecuteAsync(Sql.SetOrganizationLimits, OrganizationRow.LimitParameters(id, limits)) == 1;

    public async ValueTask InsertApiKeyAsync(ApiKey key)
    {
        try
        {
            await db.ExecuteAsync(Sql.InsertApiKey, new
            {
                key.Id,
                key.OrganizationId,
                key.Name,
                key.Prefix,
                key.Hash,
                Scopes = JsonSerializer.Serialize(key.Scopes, StorageJsonContext.Default.IReadOnlyListString),
                CreatedAt = Ms.Of(key.CreatedAt),
            });
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            // Two nodes starting together with the same SmartApi:BootstrapApiKey.
            throw new DuplicateKeyException("api key", ex);
        }
    }

    public async ValueTask<bool> RevokeApiKeyAsync(string organizationId, string id, DateTimeOffset at) =>
        await db.ExecuteAsync(Sql.RevokeApiKey, new { org = organizationId, id, at = Ms.Of(at) }) == 1;

    // The tracker sends one use per key; the condition makes the throttle hold across nodes.
    public async ValueTask TouchApiKeysAsync(IReadOnlyList<(string Id, DateTimeOffset UsedAt)> uses, TimeSpan granularity) =>
        await db.ExecuteAsync(Sql.TouchApiKey,
            uses.Select(u => new { id = u.Id, at = Ms.Of(u.UsedAt), granularity = (long)granularity.TotalMilliseconds }));

    public async ValueTask InsertDeviceAsync(Device device)
    {
        try
        {
            await db.ExecuteAsync(Sql.InsertDevice, DeviceRow.Parameters(device));
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new DuplicateKeyException("device", ex);
        }
    }

    public async ValueTask<Device?> GetDeviceAsync(string organizationId, string id) =>
        (await db.QuerySingleOrDefaultAsync<DeviceRow>(Sql.GetDevice, new { org = organizationId, id }))?.ToEntity();

    public async ValueTask UpdateDeviceAsync(Device device)
    {
        var sequence = await db.ExecuteScalarAsync<long?>(Sql.UpdateDevice, new
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
        });
        if (sequence is { } reserved)
        {
            _reservedSequences[device.Id] = reserved;
        }
    }

    public async ValueTask<bool> DeleteDeviceAsync(string organizationId, string id)
    {
        var deleted = await db.ExecuteAsync(Sql.DeleteDevice, new { org = organizationId, id }) == 1;
        if (deleted)
        {
            await db.ExecuteAsync(Sql.DeleteDeviceMeasurements, new { id });
        }
        return deleted;
    }

    // Buffered: the batch writes its appends together before the next statement or the commit.
    public ValueTask AppendEventAsync(NewEvent newEvent)
    {
        long? reserved = null;
        if (newEvent.DeviceId is { } deviceId && _reservedSequences.Remove(deviceId, out var value))
        {
            reserved = value;
        }
        db.Append(newEvent, reserved);
        return ValueTask.CompletedTask;
    }

    public async ValueTask InsertCommandAsync(Command command)
    {
        db.InsertedCommands = true;
        await db.ExecuteAsync(Sql.InsertCommand, new
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
        });
    }

    public async ValueTask<EnergyState?> GetEnergyStateAsync(string deviceId) =>
        (await db.QuerySingleOrDefaultAsync<EnergyStateRow>(Sql.GetEnergyState, new { id = deviceId }))?.ToEntity();

    public async ValueTask InsertMeasurementsAsync(IReadOnlyList<MeasurementRow> rows)
    {
        if (rows.Count == 0)
        {
            return;
        }
        await db.ExecuteAsync(Sql.InsertMeasurements, new
        {
            devices = rows.Select(r => r.DeviceId).ToArray(),
            ts = rows.Select(r => Ms.Of(r.Sample.Ts)).ToArray(),
            power = rows.Select(r => r.Sample.PowerW).ToArray(),
            voltage = rows.Select(r => r.Sample.VoltageV).ToArray(),
            current = rows.Select(r => r.Sample.CurrentA).ToArray(),
            temperature = rows.Select(r => r.Sample.TemperatureC).ToArray(),
            total = rows.Select(r => r.Sample.TotalWh).ToArray(),
            delta = rows.Select(r => r.DeltaWh).ToArray(),
        });
    }

    public async ValueTask<bool> SetEnergyStateAsync(string deviceId, double totalWh, double? lastCounterWh, Measurement latest, DateTimeOffset? expectedLatestTs) =>
        await db.ExecuteAsync(Sql.SetEnergyState, new
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
        }) == 1;

}
