namespace SmartApi.Storage;

/// <summary>
/// Tariffs: a priced definition (opaque JSON the server owns) and the targets it applies to. A target
/// is <c>organization</c>, <c>tag:key:value</c> or <c>device:dev_...</c>, and belongs to at most one
/// tariff of its organization.
/// </summary>
public interface ITariffStore
{
    /// <summary>The tariff with its targets (in ordinal order); null when the organization has no such tariff.</summary>
    Task<Tariff?> GetTariffAsync(string organizationId, string id, CancellationToken cancellationToken = default);

    /// <summary>The organization's tariffs in id (creation) order, each with its targets.</summary>
    Task<PageResult<Tariff>> ListTariffsAsync(string organizationId, PageRequest page, CancellationToken cancellationToken = default);

    /// <summary>Which of <paramref name="targets"/> the organization's tariffs claim, each with the claiming tariff's version.</summary>
    Task<IReadOnlyList<TariffClaim>> FindTariffClaimsAsync(string organizationId, IReadOnlyCollection<string> targets, CancellationToken cancellationToken = default);
}

/// <summary>Writing tariffs inside a write transaction.</summary>
public interface ITariffTransaction
{
    ValueTask<Tariff?> GetTariffAsync(string organizationId, string id);

    /// <summary>Which of <paramref name="targets"/> are claimed, read inside the transaction so a check and the write that follows agree.</summary>
    ValueTask<IReadOnlyList<TariffClaim>> FindTariffClaimsAsync(string organizationId, IReadOnlyCollection<string> targets);

    /// <summary>Inserts the tariff and its targets; <see cref="DuplicateKeyException"/> when another tariff claims one of them.</summary>
    ValueTask InsertTariffAsync(Tariff tariff);

    /// <summary>
    /// Replaces the tariff's name, currency, definition and targets and sets its version; false when
    /// the organization has no such tariff. <see cref="DuplicateKeyException"/> when another tariff claims a target.
    /// </summary>
    ValueTask<bool> UpdateTariffAsync(Tariff tariff);

    /// <summary>Deletes the tariff and its targets; false when the organization has no such tariff.</summary>
    ValueTask<bool> DeleteTariffAsync(string organizationId, string id);
}

/// <summary>
/// A tariff. <paramref name="Definition"/> is the server's JSON (periods, bands, fees);
/// <paramref name="Version"/> grows by one with every change, so a cache of parsed definitions can key on it.
/// </summary>
public sealed record Tariff(
    string Id,
    string OrganizationId,
    string Name,
    string Currency,
    string Definition,
    IReadOnlyList<string> Targets,
    long Version,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>A target held by a tariff (at version <paramref name="TariffVersion"/>).</summary>
public sealed record TariffClaim(string Target, string TariffId, long TariffVersion);
