using SmartApi.Contracts;
using SmartApi.Storage;

namespace SmartApi.Server.Tariffs;

/// <summary>The outcome of a tariff write: the tariff, or the claim on a target that another tariff holds, or nothing (no such tariff).</summary>
internal sealed record TariffWrite(Tariff? Tariff, TariffClaim? Conflict = null);

/// <summary>Creates, changes and deletes tariffs; a target another tariff holds is refused with that tariff named.</summary>
internal sealed class TariffService(ISmartApiStore store, IdGenerator ids, TimeProvider time)
{
    public Task<TariffWrite> CreateAsync(
        string organizationId, string name, string currency, IReadOnlyList<TariffPeriod> periods, IReadOnlyList<string> targets,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var tariff = new Tariff(ids.New("trf"), organizationId, name, currency, new TariffDefinition(periods).ToJson(), targets, 1, now, now);
        return store.WriteAsync(async tx =>
        {
            if (await ClaimedElsewhereAsync(tx, tariff) is { } conflict)
            {
                return new TariffWrite(null, conflict);
            }
            await tx.InsertTariffAsync(tariff);
            return new TariffWrite(tariff);
        }, cancellationToken);
    }

    /// <summary>Applies the members given (null keeps the stored value); null result when there is no such tariff.</summary>
    public Task<TariffWrite?> UpdateAsync(
        string organizationId, string id, string? name, string? currency, IReadOnlyList<TariffPeriod>? periods, IReadOnlyList<string>? targets,
        CancellationToken cancellationToken) =>
        store.WriteAsync<TariffWrite?>(async tx =>
        {
            if (await tx.GetTariffAsync(organizationId, id) is not { } existing)
            {
                return null;
            }
            var changed = existing with
            {
                Name = name ?? existing.Name,
                Currency = currency ?? existing.Currency,
                Definition = periods is null ? existing.Definition : new TariffDefinition(periods).ToJson(),
                Targets = targets ?? existing.Targets,
                Version = existing.Version + 1,
                UpdatedAt = time.GetUtcNow(),
            };
            if (await ClaimedElsewhereAsync(tx, changed) is { } conflict)
            {
                return new TariffWrite(null, conflict);
            }
            await tx.UpdateTariffAsync(changed);
            return new TariffWrite(changed);
        }, cancellationToken);

    public Task<bool> DeleteAsync(string organizationId, string id, CancellationToken cancellationToken) =>
        store.WriteAsync(tx => tx.DeleteTariffAsync(organizationId, id), cancellationToken);

    // Read in the write transaction: on SQLite the single writer makes check and insert one step; a
    // PostgreSQL race past it ends in the primary key's DuplicateKeyException.
    private static async ValueTask<TariffClaim?> ClaimedElsewhereAsync(IStoreTransaction tx, Tariff tariff)
    {
        var claims = await tx.FindTariffClaimsAsync(tariff.OrganizationId, tariff.Targets);
        return claims.Where(c => c.TariffId != tariff.Id).OrderBy(c => c.Target, StringComparer.Ordinal).FirstOrDefault();
    }
}
