using Dapper;

namespace SmartApi.Storage.Relational;

public abstract partial class RelationalSmartApiStore
{
    public async Task<Tariff?> GetTariffAsync(string organizationId, string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<TariffRow>(RelationalSql.GetTariff, new { org = organizationId, id });
        if (row is null)
        {
            return null;
        }
        var targets = await connection.QueryAsync<string>(RelationalSql.TargetsOfTariff, new { org = organizationId, id });
        return row.ToEntity(targets);
    }

    public async Task<PageResult<Tariff>> ListTariffsAsync(string organizationId, PageRequest page, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<TariffRow>(RelationalSql.ListTariffs,
            new { org = organizationId, after = page.After ?? "", limit = page.Limit + 1 })).ToList();
        if (rows.Count == 0)
        {
            return new PageResult<Tariff>([], false);
        }
        var targets = (await connection.QueryAsync<TariffTargetRow>(Dialect.TargetsOfTariffs,
                new { org = organizationId, ids = Dialect.IdList(rows.Select(r => r.Id).ToList()) }))
            .ToLookup(t => t.TariffId, t => t.Target, StringComparer.Ordinal);
        return PageResult.From(rows.Select(r => r.ToEntity(targets[r.Id])), page.Limit);
    }

    public async Task<IReadOnlyList<TariffClaim>> FindTariffClaimsAsync(
        string organizationId, IReadOnlyCollection<string> targets, CancellationToken cancellationToken = default)
    {
        if (targets.Count == 0)
        {
            return [];
        }
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<TariffClaimRow>(Dialect.FindTariffClaims, new { org = organizationId, targets = Dialect.IdList(targets) });
        return rows.Select(r => r.ToEntity()).ToList();
    }
}
