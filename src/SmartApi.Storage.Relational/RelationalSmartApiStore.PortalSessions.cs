using Dapper;

namespace SmartApi.Storage.Relational;

public abstract partial class RelationalSmartApiStore
{
    public async Task<PortalSession?> FindPortalSessionByHashAsync(byte[] tokenHash, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return (await connection.QuerySingleOrDefaultAsync<PortalSessionRow>(RelationalSql.FindPortalSessionByHash, new { hash = tokenHash }))?.ToEntity();
    }

    public async Task<PortalSession?> GetPortalSessionAsync(string organizationId, string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return (await connection.QuerySingleOrDefaultAsync<PortalSessionRow>(RelationalSql.GetPortalSession, new { org = organizationId, id }))?.ToEntity();
    }

    public async Task<PageResult<PortalSession>> ListPortalSessionsAsync(string organizationId, PageRequest page, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<PortalSessionRow>(RelationalSql.ListPortalSessions,
            new { org = organizationId, after = page.After ?? "", limit = page.Limit + 1 });
        return PageResult.From(rows.Select(r => r.ToEntity()), page.Limit);
    }
}
