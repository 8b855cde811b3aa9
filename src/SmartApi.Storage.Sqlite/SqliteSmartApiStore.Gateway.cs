using Dapper;

namespace SmartApi.Storage.Sqlite;

public sealed partial class SqliteSmartApiStore
{
    public event EventHandler? CommandsQueued;

    public async Task<IReadOnlyList<Device>> FindDevicesBySerialAsync(string serial, CancellationToken cancellationToken = default)
    {
        using var reader = await _readers.RentAsync(cancellationToken);
        return [.. (await reader.Command(Sql.FindDevicesBySerial).With("@serial", serial).ListAsync<DeviceRow>()).Select(r => r.ToEntity())];
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
