namespace SmartApi.Storage.Sqlite;

public sealed partial class SqliteSmartApiStore
{
    public event EventHandler? EventsAppended;

    public async Task<string?> GetLatestEventIdAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        using var reader = await _readers.RentAsync(cancellationToken);
        return await reader.Command(Sql.LatestEventId).With("@org", organizationId).ScalarAsync<string?>();
    }
}
