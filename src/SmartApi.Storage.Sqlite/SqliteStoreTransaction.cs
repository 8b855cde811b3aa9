using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;

namespace SmartApi.Storage.Sqlite;

internal sealed partial class SqliteStoreTransaction(CommandCache commands, SqliteTransaction transaction, IdGenerator ids) : IStoreTransaction
{
    private readonly SqliteConnection connection = commands.Connection;

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

    public async ValueTask<Device?> GetDeviceAsync(string organizationId, string id) =>
        (await Command(Sql.GetDevice).With("@org", organizationId).With("@id", id).SingleOrDefaultAsync<DeviceRow>())?.ToEntity();

    public async ValueTask UpdateDeviceAsync(Device device)
    {
        var sequence = await Command(Sql.UpdateDevice)
            .With("@Id", device.Id)
            .With("@OrganizationId", device.OrganizationId)
            .With("@Name", device.Name)
            .With("@Model", device.Model)
            .With("@Tags", DeviceRow.TagsJson(device.Tags))
            .With("@PowerOnState", device.PowerOnState)
            .With("@Online", device.Online)
            .With("@LastSeenAt", Ms.Of(device.LastSeenAt))
            .With("@Switch", device.Switch)
            .With("@UpdatedAt", Ms.Of(device.UpdatedAt))
            .ScalarAsync<long?>();
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

    public async ValueTask AppendEventAsync(NewEvent newEvent)
    {
        long? sequence = null;
        if (newEvent.DeviceId is { } deviceId)
        {
            sequence = _reservedSequences.Remove(deviceId, out var reserved)
                ? reserved
                : await Command(Sql.NextDeviceSequence).With("@id", deviceId).ScalarAsync<long?>();
        }
        var data = EventData.Compose(newEvent.DeviceId, sequence, newEvent.DataJson);
        var position = await Command(Sql.AppendEvent)
            .With("@id", newEvent.Id)
            .With("@org", newEvent.OrganizationId)
            .With("@type", newEvent.Type)
            .With("@device", newEvent.DeviceId)
            .With("@at", Ms.Of(newEvent.CreatedAt))
            .With("@data", data)
            .ScalarAsync<long>();
        await QueueDeliveriesAsync(newEvent, position);
        await QueueRunsAsync(newEvent);
        AppendedEvents++;
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
