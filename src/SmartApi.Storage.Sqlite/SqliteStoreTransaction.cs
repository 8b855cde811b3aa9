using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;

namespace SmartApi.Storage.Sqlite;

internal sealed partial class SqliteStoreTransaction(CommandCache commands, SqliteTransaction transaction, IdGenerator ids, SubscriptionIndex subscriptionIndex,
    DeviceCache deviceCache)
    : IStoreTransaction
{
    private readonly SqliteConnection connection = commands.Connection;

    /// <summary>Whether this transaction changed subscriptions: the writer drops its index again when it ends.</summary>
    public bool SubscriptionsChanged { get; private set; }

    /// <summary>Called before any statement that adds or removes subscriptions (directly or by cascade).</summary>
    private void ChangingSubscriptions()
    {
        SubscriptionsChanged = true;
        subscriptionIndex.Invalidate();
    }

    // Device sequences taken by UpdateDeviceAsync for the event the same unit appends next: one
    // statement instead of a second update of the same row.
    private readonly Dictionary<string, long> _reservedSequences = new(StringComparer.Ordinal);

    /// <summary>Called by the writer before each unit of work: reservations never cross units.</summary>
    public void BeginUnit() => _reservedSequences.Clear();

    /// <summary>Events appended in this transaction (the writer announces them after commit).</summary>
    public int AppendedEvents { get; private set; }

    /// <summary>A prepared statement of the writer connection, enlisted in this transaction.</summary>
    private SqliteCommand Command(string sql) => commands.Get(sql, transaction);

    private const int SqliteConstraintUnique = 2067;

    public async ValueTask InsertOrganizationAsync(Organization organization) =>
        await connection.ExecuteAsync(Sql.InsertOrganization,
            new { organization.Id, organization.Name, CreatedAt = Ms.Of(organization.CreatedAt) }, transaction);

    public async ValueTask<bool> RenameOrganizationAsync(string id, string name) =>
        await connection.ExecuteAsync(Sql.RenameOrganization, new { id, name }, transaction) == 1;

    public async ValueTask<bool> SetOrganizationLimitsAsync(string id, OrganizationLimitOverrides? limits) =>
        await connection.ExecuteAsync(Sql.SetOrganizationLimits, OrganizationRow.LimitParameters(id, limits), transaction) == 1;

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

    public async ValueTask TouchApiKeysAsync(IReadOnlyList<(string Id, DateTimeOffset UsedAt)> uses, TimeSpan granularity) =>
        await connection.ExecuteAsync(Sql.TouchApiKey,
            uses.Select(u => new { id = u.Id, at = Ms.Of(u.UsedAt), granularity = (long)granularity.TotalMilliseconds }), transaction);

    public async ValueTask InsertDeviceAsync(Device device)
    {
        try
        {
            await connection.ExecuteAsync(Sql.InsertDevice, DeviceRow.Parameters(device), transaction);
        }
        catch (SqliteException ex) when (ex.SqliteExtendedErrorCode == SqliteConstraintUnique)
        {
            throw new DuplicateKeyException("device", ex);
        }
    }

    public async ValueTask<Device?> GetDeviceAsync(string organizationId, string id)
    {
        if (deviceCache.Get(organizationId, id) is { } cached)
        {
            return cached;
        }
        var device = (await Command(Sql.GetDevice).With("@org", organizationId).With("@id", id).SingleOrDefaultAsync<DeviceRow>())?.ToEntity();
        if (device is not null)
        {
            deviceCache.Add(device);
        }
        return device;
    }

    public ValueTask UpdateDeviceAsync(Device device)
    {
        var statement = RawStatement.For(connection, Sql.UpdateDevice, UpdateDeviceParameters)
            .Bind(0, device.Id)
            .Bind(1, device.OrganizationId)
            .Bind(2, device.Name)
            .Bind(3, device.Model)
            .Bind(4, DeviceRow.TagsJson(device.Tags))
            .Bind(5, device.PowerOnState)
            .Bind(6, device.Online)
            .Bind(7, Ms.Of(device.LastSeenAt))
            .Bind(8, device.Switch)
            .Bind(9, Ms.Of(device.UpdatedAt));
        long? sequence;
        deviceCache.OwnUpdate = true;
        try
        {
            sequence = statement.ExecuteScalar();
        }
        finally
        {
            deviceCache.OwnUpdate = false;
        }
        if (sequence is { } reserved)
        {
            _reservedSequences[device.Id] = reserved;
            deviceCache.Updated(device);
        }
        return ValueTask.CompletedTask;
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

    public async ValueTask AppendEventAsync(NewEvent newEvent)
    {
        long? sequence = null;
        if (newEvent.DeviceId is { } deviceId)
        {
            sequence = _reservedSequences.Remove(deviceId, out var reserved) ? reserved : NextSequence(deviceId);
        }
        var data = EventData.Compose(newEvent.DeviceId, sequence, newEvent.DataJson);
        var position = RawStatement.For(connection, Sql.AppendEvent, AppendEventParameters)
            .Bind(0, newEvent.Id)
            .Bind(1, newEvent.OrganizationId)
            .Bind(2, newEvent.Type)
            .Bind(3, newEvent.DeviceId)
            .Bind(4, Ms.Of(newEvent.CreatedAt))
            .Bind(5, data)
            .ExecuteInsert(); // position is the rowid
        await RouteAsync(newEvent, position);
        AppendedEvents++;
    }

    // The sequence is not part of the cached row: the cache may ignore this change of it.
    private long? NextSequence(string deviceId)
    {
        var statement = RawStatement.For(connection, Sql.NextDeviceSequence, NextSequenceParameters).Bind(0, deviceId);
        deviceCache.OwnUpdate = true;
        try
        {
            return statement.ExecuteScalar();
        }
        finally
        {
            deviceCache.OwnUpdate = false;
        }
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
            command.Depth,
        }, transaction);
    }

    public async ValueTask<EnergyState?> GetEnergyStateAsync(string deviceId) =>
        (await Command(Sql.GetEnergyState).With("@id", deviceId).SingleOrDefaultAsync<EnergyStateRow>())?.ToEntity();

    private static readonly string[] UpdateDeviceParameters =
        ["@Id", "@OrganizationId", "@Name", "@Model", "@Tags", "@PowerOnState", "@Online", "@LastSeenAt", "@Switch", "@UpdatedAt"];
    private static readonly string[] AppendEventParameters = ["@id", "@org", "@type", "@device", "@at", "@data"];
    private static readonly string[] NextSequenceParameters = ["@id"];
    private static readonly string[] MeasurementParameters = ["@device", "@ts", "@power", "@voltage", "@current", "@temperature", "@total", "@delta"];
    private static readonly string[] EnergyStateParameters = ["@id", "@total", "@counter", "@ts", "@power", "@voltage", "@current", "@temperature", "@expected"];

    // Once per sample: bound by position on the raw statement (see RawStatement).
    public ValueTask InsertMeasurementsAsync(IReadOnlyList<MeasurementRow> rows)
    {
        var statement = RawStatement.For(connection, Sql.InsertMeasurement, MeasurementParameters);
        foreach (var row in rows)
        {
            statement
                .Bind(0, row.DeviceId)
                .Bind(1, Ms.Of(row.Sample.Ts))
                .Bind(2, row.Sample.PowerW)
                .Bind(3, row.Sample.VoltageV)
                .Bind(4, row.Sample.CurrentA)
                .Bind(5, row.Sample.TemperatureC)
                .Bind(6, row.Sample.TotalWh)
                .Bind(7, row.DeltaWh)
                .Execute();
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> SetEnergyStateAsync(string deviceId, double totalWh, double? lastCounterWh, Measurement latest, DateTimeOffset? expectedLatestTs) =>
        ValueTask.FromResult(RawStatement.For(connection, Sql.SetEnergyState, EnergyStateParameters)
            .Bind(0, deviceId)
            .Bind(1, totalWh)
            .Bind(2, lastCounterWh)
            .Bind(3, Ms.Of(latest.Ts))
            .Bind(4, latest.PowerW)
            .Bind(5, latest.VoltageV)
            .Bind(6, latest.CurrentA)
            .Bind(7, latest.TemperatureC)
            .Bind(8, Ms.Of(expectedLatestTs))
            .Execute() == 1);
}
