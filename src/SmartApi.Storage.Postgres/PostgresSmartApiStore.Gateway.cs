using Dapper;

namespace SmartApi.Storage.Postgres;

public sealed partial class PostgresSmartApiStore
{
    public event EventHandler? CommandsQueued;

    public async Task<IReadOnlyList<Device>> FindDevicesBySerialAsync(string serial, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return [.. (await connection.QueryAsync<DeviceRow>(Sql.FindDevicesBySerial, new { serial })).Select(r => r.ToEntity())];
    }

    public async Task<IReadOnlyList<DeviceRef>> ListOnlineDevicesAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return [.. (await connection.QueryAsync<DeviceRefRow>(Sql.ListOnlineDevices)).Select(r => new DeviceRef(r.Id, r.OrganizationId))];
    }

    public async Task<DateTimeOffset?> GetLastEnergyReportAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return Ms.ToTime(await connection.ExecuteScalarAsync<long?>(Sql.LastEnergyReport));
    }
}
