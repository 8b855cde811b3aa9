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

    public async ValueTask<StoredEvent> AppendEventAsync(NewEvent newEvent)
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
        return new StoredEvent(position, newEvent.Id, newEvent.OrganizationId, newEvent.Type, newEvent.DeviceId, newEvent.CreatedAt, data);
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

    public async ValueTask InsertMeasurementsAsync(IReadOnlyList<MeasurementRow> rows)
    {
        var command = Command(Sql.InsertMeasurement);
        foreach (var row in rows)
        {
            await command
                .With("@device", row.DeviceId)
                .With("@ts", Ms.Of(row.Sample.Ts))
                .With("@power", row.Sample.PowerW)
                .With("@voltage", row.Sample.VoltageV)
                .With("@current", row.Sample.CurrentA)
                .With("@temperature", row.Sample.TemperatureC)
                .With("@total", row.Sample.TotalWh)
                .With("@delta", row.DeltaWh)
                .ExecuteNonQueryAsync();
        }
    }

    public async ValueTask<bool> SetEnergyStateAsync(string deviceId, double totalWh, double? lastCounterWh, Measurement latest, DateTimeOffset? expectedLatestTs) =>
        await Command(Sql.SetEnergyState)
            .With("@id", deviceId)
            .With("@total", totalWh)
            .With("@counter", lastCounterWh)
            .With("@ts", Ms.Of(latest.Ts))
            .With("@power", latest.PowerW)
            .With("@voltage", latest.VoltageV)
            .With("@current", latest.CurrentA)
            .With("@temperature", latest.TemperatureC)
            .With("@expected", Ms.Of(expectedLatestTs))
            .ExecuteNonQueryAsync() == 1;
}
