using System.Data.Common;
using System.Text.Json;

namespace SmartApi.Storage.Relational;

/// <summary>
/// What the SQLite and PostgreSQL write units share: every statement whose logic is the same on
/// both, run through four Dapper-shaped hooks that the provider binds to its own connection and
/// transaction (and, on PostgreSQL, to its batch's buffered appends). A provider overrides a
/// member only where it keeps a faster statement of its own on a hot path.
/// </summary>
internal abstract partial class RelationalStoreTransaction(SqlDialect dialect, IdGenerator ids)
{
    private protected SqlDialect Dialect => dialect;
    private protected IdGenerator Ids => ids;

    /// <summary>
    /// Device sequences taken by <see cref="UpdateDeviceAsync"/> for the event the same unit appends
    /// next: one statement instead of a second update of the same row.
    /// </summary>
    private protected Dictionary<string, long> ReservedSequences { get; } = new(StringComparer.Ordinal);

    private protected abstract Task<int> ExecuteAsync(string sql, object? parameters);
    private protected abstract Task<IEnumerable<T>> QueryAsync<T>(string sql, object? parameters);
    private protected abstract Task<T?> QuerySingleOrDefaultAsync<T>(string sql, object? parameters);
    private protected abstract Task<T?> ExecuteScalarAsync<T>(string sql, object? parameters);

    /// <summary>Called when the unit inserts a command: the writer wakes the command dispatcher after the commit.</summary>
    private protected abstract void CommandInserted();

    /// <summary>Called before a statement reads or deletes measurements or energy rollups: a provider that stores telemetry elsewhere first moves it there.</summary>
    private protected virtual ValueTask UsingTelemetryAsync() => ValueTask.CompletedTask;

    public async ValueTask InsertOrganizationAsync(Organization organization) =>
        await ExecuteAsync(RelationalSql.InsertOrganization, new { organization.Id, organization.Name, CreatedAt = Ms.Of(organization.CreatedAt), organization.TimeZone });

    public async ValueTask<bool> RenameOrganizationAsync(string id, string name) =>
        await ExecuteAsync(RelationalSql.RenameOrganization, new { id, name }) == 1;

    public async ValueTask<bool> SetOrganizationTimeZoneAsync(string id, string timeZone) =>
        await ExecuteAsync(RelationalSql.SetOrganizationTimeZone, new { id, timeZone }) == 1;

    public async ValueTask<bool> SetOrganizationRetentionAsync(string id, OrganizationRetention? retention) =>
        await ExecuteAsync(RelationalSql.SetOrganizationRetention, OrganizationRow.RetentionParameters(id, retention)) == 1;

    public async ValueTask<bool> SetOrganizationLimitsAsync(string id, OrganizationLimitOverrides? limits) =>
        await ExecuteAsync(RelationalSql.SetOrganizationLimits, OrganizationRow.LimitParameters(id, limits)) == 1;

    public async ValueTask InsertApiKeyAsync(ApiKey key)
    {
        try
        {
            await ExecuteAsync(RelationalSql.InsertApiKey, new
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
        catch (DbException ex) when (dialect.IsUniqueViolation(ex))
        {
            // Two nodes starting together with the same SmartApi:BootstrapApiKey.
            throw new DuplicateKeyException("api key", ex);
        }
    }

    public async ValueTask<bool> RevokeApiKeyAsync(string organizationId, string id, DateTimeOffset at) =>
        await ExecuteAsync(RelationalSql.RevokeApiKey, new { org = organizationId, id, at = Ms.Of(at) }) == 1;

    // The tracker sends one use per key; the statement's condition makes the throttle hold across nodes.
    public async ValueTask TouchApiKeysAsync(IReadOnlyList<(string Id, DateTimeOffset UsedAt)> uses, TimeSpan granularity) =>
        await ExecuteAsync(RelationalSql.TouchApiKey,
            uses.Select(u => new { id = u.Id, at = Ms.Of(u.UsedAt), granularity = (long)granularity.TotalMilliseconds }));

    public async ValueTask InsertDeviceAsync(Device device)
    {
        try
        {
            await ExecuteAsync(dialect.InsertDevice, DeviceRow.Parameters(device));
        }
        catch (DbException ex) when (dialect.IsUniqueViolation(ex))
        {
            throw new DuplicateKeyException("device", ex);
        }
    }

    public virtual async ValueTask<Device?> GetDeviceAsync(string organizationId, string id) =>
        (await QuerySingleOrDefaultAsync<DeviceRow>(dialect.GetDevice, new { org = organizationId, id }))?.ToEntity();

    public virtual ValueTask UpdateDeviceAsync(Device device) =>
        UpdateDeviceRowAsync(device.Id, dialect.UpdateDevice, new
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

    public virtual ValueTask UpdateDeviceSwitchAsync(Device device) =>
        UpdateDeviceRowAsync(device.Id, dialect.UpdateDeviceSwitch, new
        {
            device.Id,
            device.OrganizationId,
            device.Switch,
            LastSeenAt = Ms.Of(device.LastSeenAt),
            UpdatedAt = Ms.Of(device.UpdatedAt),
        });

    public virtual async ValueTask<bool> UpdateDevicePresenceAsync(Device device)
    {
        var sql = device.Online ? dialect.UpdateDevicePresence : dialect.MarkDeviceOffline;
        var reserved = await ExecuteScalarAsync<long?>(sql, new
        {
            device.Id,
            device.OrganizationId,
            device.Online,
            LastSeenAt = Ms.Of(device.LastSeenAt),
            UpdatedAt = Ms.Of(device.UpdatedAt),
        });
        if (reserved is { } sequence)
        {
            ReservedSequences[device.Id] = sequence;
        }
        return reserved is not null;
    }

    // SQLite's device cache sees this change through its update hook (not an own update) and drops the row.
    public virtual ValueTask UpdateDeviceSettingsAsync(Device device) =>
        UpdateDeviceRowAsync(device.Id, dialect.UpdateDeviceSettings, new
        {
            device.Id,
            device.OrganizationId,
            device.Name,
            Tags = DeviceRow.TagsJson(device.Tags),
            device.PowerOnState,
            UpdatedAt = Ms.Of(device.UpdatedAt),
        });

    /// <summary>Runs a device-row update and keeps the event sequence it reserved, if it did.</summary>
    private async ValueTask UpdateDeviceRowAsync(string deviceId, string sql, object args)
    {
        if (await ExecuteScalarAsync<long?>(sql, args) is { } reserved)
        {
            ReservedSequences[deviceId] = reserved;
        }
    }

    public async ValueTask<bool> DeleteDeviceAsync(string organizationId, string id)
    {
        var deleted = await ExecuteAsync(RelationalSql.DeleteDevice, new { org = organizationId, id }) == 1;
        if (deleted)
        {
            await UsingTelemetryAsync();
            await ExecuteAsync(RelationalSql.DeleteDeviceMeasurements, new { id });
            // A deleted device leaves no claim behind: its tariff no longer lists it.
            await ExecuteAsync(RelationalSql.DeleteTariffTarget, new { org = organizationId, target = "device:" + id });
            await ExecuteAsync(RelationalSql.DeleteDeviceEnergySlots, new { id });
            await ExecuteAsync(RelationalSql.DeleteDeviceEnergyHours, new { id });
        }
        return deleted;
    }

    public async ValueTask InsertCommandAsync(Command command)
    {
        CommandInserted();
        await ExecuteAsync(RelationalSql.InsertCommand, CommandParameters(command));
    }

    private protected static object CommandParameters(Command command) =>
        new
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
            command.BatchId,
        };

    public virtual async ValueTask<EnergyState?> GetEnergyStateAsync(string deviceId) =>
        (await QuerySingleOrDefaultAsync<EnergyStateRow>(RelationalSql.GetEnergyState, new { id = deviceId }))?.ToEntity();

    public virtual async ValueTask<IReadOnlyList<Command>> ClaimCommandsAsync(
        string owner, DateTimeOffset now, DateTimeOffset leaseUntil, int limit, IReadOnlyCollection<string>? deviceIds)
    {
        if (deviceIds is { Count: 0 })
        {
            return [];
        }
        var rows = deviceIds is null
            ? await QueryAsync<CommandRow>(dialect.ClaimCommandsOfOnlineDevices, new { owner, until = Ms.Of(leaseUntil), now = Ms.Of(now), limit })
            : await QueryAsync<CommandRow>(dialect.ClaimCommandsOfDevices,
                new { owner, until = Ms.Of(leaseUntil), now = Ms.Of(now), limit, devices = dialect.IdList(deviceIds) });
        return SortClaimed(rows);
    }

    // RETURNING has no defined order.
    private protected static IReadOnlyList<Command> SortClaimed(IEnumerable<CommandRow> rows) =>
        [.. rows.Select(r => r.ToEntity()).OrderBy(c => c.Id, StringComparer.Ordinal)];

    public virtual async ValueTask<Command?> FindCommandAsync(string deviceId, string id) =>
        (await QuerySingleOrDefaultAsync<CommandRow>(RelationalSql.FindCommand, new { device = deviceId, id }))?.ToEntity();

    public virtual async ValueTask<bool> CompleteCommandAsync(string id, string status, string? error, DateTimeOffset now) =>
        await ExecuteAsync(RelationalSql.CompleteCommand, new { id, status, error, now = Ms.Of(now) }) == 1;

    public async ValueTask<IReadOnlyList<Command>> ExpireCommandsAsync(DateTimeOffset now, int limit) =>
        [.. (await QueryAsync<CommandRow>(dialect.ExpireCommands, new { now = Ms.Of(now), limit }))
            .Select(r => r.ToEntity()).OrderBy(c => c.ExpiresAt).ThenBy(c => c.Id, StringComparer.Ordinal)];

    public async ValueTask<bool> TryClaimEnergyReportAsync(DateTimeOffset periodStart, DateTimeOffset now) =>
        await ExecuteAsync(RelationalSql.ClaimEnergyReport, new { start = Ms.Of(periodStart), now = Ms.Of(now) }) == 1;

    public async ValueTask<IReadOnlyList<DeviceEnergyTotal>> SumEnergySlotsAsync(DateTimeOffset from, DateTimeOffset to, string? organizationId = null)
    {
        await UsingTelemetryAsync();
        return [.. (await QueryAsync<DeviceEnergyRow>(organizationId is null ? dialect.SumEnergySlots : dialect.SumEnergySlotsOfOrganization,
            new { from = Ms.Of(from), to = Ms.Of(to), org = organizationId }))
            .Select(r => new DeviceEnergyTotal(r.DeviceId, r.OrganizationId, r.EnergyWh))];
    }
}
