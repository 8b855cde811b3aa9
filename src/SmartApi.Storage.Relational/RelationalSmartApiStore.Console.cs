using Dapper;

namespace SmartApi.Storage.Relational;

public abstract partial class RelationalSmartApiStore
{
    public async Task<ConsoleSession?> FindConsoleSessionByHashAsync(byte[] tokenHash, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return (await connection.QuerySingleOrDefaultAsync<ConsoleSessionRow>(RelationalSql.FindConsoleSession, new { hash = tokenHash }))?.ToEntity();
    }

    public async Task<IReadOnlyList<DataProtectionKeyRecord>> ListDataProtectionKeysAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<DataProtectionKeyRow>(RelationalSql.ListDataProtectionKeys);
        return rows.Select(row => row.ToEntity()).ToList();
    }
}
