using System.Data.Common;

namespace SmartApi.Storage.Relational;

internal abstract partial class RelationalStoreTransaction
{
    public async ValueTask<Tariff?> GetTariffAsync(string organizationId, string id)
    {
        var row = await QuerySingleOrDefaultAsync<TariffRow>(RelationalSql.GetTariff, new { org = organizationId, id });
        if (row is null)
        {
            return null;
        }
        var targets = await QueryAsync<string>(RelationalSql.TargetsOfTariff, new { org = organizationId, id });
        return row.ToEntity(targets);
    }

    public async ValueTask<IReadOnlyList<TariffClaim>> FindTariffClaimsAsync(string organizationId, IReadOnlyCollection<string> targets)
    {
        if (targets.Count == 0)
        {
            return [];
        }
        var rows = await QueryAsync<TariffClaimRow>(Dialect.FindTariffClaims, new { org = organizationId, targets = Dialect.IdList(targets) });
        return rows.Select(r => r.ToEntity()).ToList();
    }

    public async ValueTask InsertTariffAsync(Tariff tariff)
    {
        await ExecuteAsync(RelationalSql.InsertTariff, TariffRow.Parameters(tariff));
        await InsertTariffTargetsAsync(tariff);
    }

    public async ValueTask<bool> UpdateTariffAsync(Tariff tariff)
    {
        if (await ExecuteAsync(RelationalSql.UpdateTariff, TariffRow.Parameters(tariff)) != 1)
        {
            return false;
        }
        await ExecuteAsync(RelationalSql.DeleteTargetsOfTariff, new { org = tariff.OrganizationId, id = tariff.Id });
        await InsertTariffTargetsAsync(tariff);
        return true;
    }

    public async ValueTask<bool> DeleteTariffAsync(string organizationId, string id)
    {
        await ExecuteAsync(RelationalSql.DeleteTargetsOfTariff, new { org = organizationId, id });
        return await ExecuteAsync(RelationalSql.DeleteTariff, new { org = organizationId, id }) == 1;
    }

    private async Task InsertTariffTargetsAsync(Tariff tariff)
    {
        if (tariff.Targets.Count == 0)
        {
            return;
        }
        try
        {
            await ExecuteAsync(RelationalSql.InsertTariffTarget, TariffRow.TargetParameters(tariff));
        }
        catch (DbException ex) when (Dialect.IsUniqueViolation(ex))
        {
            throw new DuplicateKeyException("tariff target", ex);
        }
    }
}
