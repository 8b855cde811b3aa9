using SmartApi.Contracts;
using SmartApi.Storage;

namespace SmartApi.Server.Tariffs;

/// <summary>
/// The outcome of a tariff write: the tariff; or the claim on a target that another tariff holds; or the
/// device ids among the targets that are no device of the organization; or none of them (no such tariff).
/// </summary>
internal sealed record TariffWrite(Tariff? Tariff, TariffClaim? Conflict = null, IReadOnlyList<string>? MissingDevices = null)
{
    public static TariffWrite NoSuchTariff { get; } = new(Tariff: null);

    /// <summary>Another write claimed a target between this write's check and its insert (PostgreSQL): the primary key refused it.</summary>
    public static TariffWrite Raced { get; } = new(null, new TariffClaim("", "", 0));
}

/// <summary>
/// Creates, changes and deletes tariffs. What a write claims is checked in its own transaction: a
/// device target must be a device of the organization, and a target another tariff holds is refused
/// with that tariff named.
/// </summary>
internal sealed class TariffService(ISmartApiStore store, IdGenerator ids, TimeProvider time)
{
    public Task<TariffWrite> CreateAsync(
        string organizationId, string name, string currency, IReadOnlyList<TariffPeriod> periods, IReadOnlyList<string> targets,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var tariff = new Tariff(ids.New("trf"), organizationId, name, currency, new TariffDefinition(periods).ToJson(), targets, 1, now, now);
        return WriteAsync(async tx =>
        {
            if (await RefusedAsync(tx, tariff, tariff.Targets) is { } refused)
            {
                return refused;
            }
            await tx.InsertTariffAsync(tariff);
            return new TariffWrite(tariff);
        }, cancellationToken);
    }

    /// <summary>Applies the members given (null keeps the stored value); <see cref="TariffWrite.NoSuchTariff"/> when there is no such tariff.</summary>
    public Task<TariffWrite> UpdateAsync(
        string organizationId, string id, string? name, string? currency, IReadOnlyList<TariffPeriod>? periods, IReadOnlyList<string>? targets,
        CancellationToken cancellationToken) =>
        WriteAsync(async tx =>
        {
            if (await tx.GetTariffAsync(organizationId, id) is not { } existing)
            {
                return TariffWrite.NoSuchTariff;
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
            // Kept targets need no check: deleting a device deletes its target in the same unit.
            if (await RefusedAsync(tx, changed, targets ?? []) is { } refused)
            {
                return refused;
            }
            await tx.UpdateTariffAsync(changed);
            return new TariffWrite(changed);
        }, cancellationToken);

    public Task<bool> DeleteAsync(string organizationId, string id, CancellationToken cancellationToken) =>
        store.WriteAsync(tx => tx.DeleteTariffAsync(organizationId, id), cancellationToken);

    // Two PostgreSQL nodes claiming one target at once: the loser meets the primary key, not the check.
    private async Task<TariffWrite> WriteAsync(Func<IStoreTransaction, ValueTask<TariffWrite>> work, CancellationToken cancellationToken)
    {
        try
        {
            return await store.WriteAsync(work, cancellationToken);
        }
        catch (DuplicateKeyException)
        {
            return TariffWrite.Raced;
        }
    }

    /// <summary>
    /// Why the write cannot go ahead (null: it can), read in its transaction so check and write agree:
    /// a device among <paramref name="newTargets"/> that is no device of the organization (deleted
    /// meanwhile, or another's), else a target another tariff holds. On SQLite the single writer makes
    /// check and write one step; a PostgreSQL race on a claim ends in the primary key's <see cref="DuplicateKeyException"/>.
    /// </summary>
    private static async ValueTask<TariffWrite?> RefusedAsync(IStoreTransaction tx, Tariff tariff, IReadOnlyList<string> newTargets)
    {
        List<string> deviceIds = [.. newTargets.Where(t => t.StartsWith(TariffText.DeviceTargetPrefix, StringComparison.Ordinal))
            .Select(t => t[TariffText.DeviceTargetPrefix.Length..])];
        if (deviceIds.Count > 0)
        {
            var found = await tx.FindDeviceIdsAsync(tariff.OrganizationId, deviceIds);
            if (found.Count != deviceIds.Count)
            {
                return new TariffWrite(null, MissingDevices: [.. deviceIds.Except(found, StringComparer.Ordinal)]);
            }
        }
        var claims = await tx.FindTariffClaimsAsync(tariff.OrganizationId, tariff.Targets);
        return claims.Where(c => c.TariffId != tariff.Id).OrderBy(c => c.Target, StringComparer.Ordinal).FirstOrDefault() is { } conflict
            ? new TariffWrite(null, conflict)
            : null;
    }
}
