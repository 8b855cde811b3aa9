using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;

namespace SmartApi.Storage.Sqlite;

internal sealed partial class SqliteStoreTransaction(SqliteConnection connection, SqliteTransaction transaction, IdGenerator ids) : IStoreTransaction
{
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
        (await connection.QuerySingleOrDefaultAsync<DeviceRow>(Sql.GetDevice, new { org = organizationId, id }, transaction))?.ToEntity();

    public async ValueTask UpdateDeviceAsync(Device device) =>
        await connection.ExecuteAsync(Sql.UpdateDevice, DeviceRow.Parameters(device), transaction);

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
        long? sequence = newEvent.DeviceId is null
            ? null
            : await connection.ExecuteScalarAsync<long?>(Sql.NextDeviceSequence, new { id = newEvent.DeviceId }, transaction);
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
        }, transaction);

    public async ValueTask<EnergyState?> GetEnergyStateAsync(string deviceId) =>
        (await connection.QuerySingleOrDefaultAsync<EnergyStateRow>(Sql.GetEnergyState, new { id = deviceId }, transaction))?.ToEntity();

    public async ValueTask InsertMeasurementsAsync(IReadOnlyList<MeasurementRow> rows) =>
        await connection.ExecuteAsync(Sql.InsertMeasurement, rows.Select(r => new
        {
            device = r.DeviceId,
            ts = Ms.Of(r.Sample.Ts),
            power = r.Sample.PowerW,
            voltage = r.Sample.VoltageV,
            current = r.Sample.CurrentA,
            temperature = r.Sample.TemperatureC,
            total = r.Sample.TotalWh,
            delta = r.DeltaWh,
        }), transaction);

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
