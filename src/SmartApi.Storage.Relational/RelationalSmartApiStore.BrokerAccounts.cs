using Dapper;

namespace SmartApi.Storage.Relational;

public abstract partial class RelationalSmartApiStore
{
    public async Task<IReadOnlyList<BrokerAccountJob>> ListBrokerAccountJobsAsync(int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return [.. (await connection.QueryAsync<BrokerAccountJobRow>(RelationalSql.ListBrokerAccountJobs, new { limit })).Select(r => r.ToEntity())];
    }

    public async Task<long> CountDevicesWithoutBrokerAccountAsync(IReadOnlyCollection<string> accounts, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(Dialect.CountDevicesWithoutBrokerAccount, new { accounts = Dialect.IdList(accounts) });
    }
}
