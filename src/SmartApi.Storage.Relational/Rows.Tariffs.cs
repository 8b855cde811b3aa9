namespace SmartApi.Storage.Relational;

internal sealed class TariffRow
{
    public string Id { get; set; } = "";
    public string OrganizationId { get; set; } = "";
    public string Name { get; set; } = "";
    public string Currency { get; set; } = "";
    public string Definition { get; set; } = "";
    public long Version { get; set; }
    public long CreatedAt { get; set; }
    public long UpdatedAt { get; set; }

    // Ordinal order in C#: PostgreSQL's ORDER BY follows the database's collation.
    public Tariff ToEntity(IEnumerable<string> targets) =>
        new(Id, OrganizationId, Name, Currency, Definition, targets.Order(StringComparer.Ordinal).ToList(), Version,
            Ms.ToTime(CreatedAt), Ms.ToTime(UpdatedAt));

    public static object Parameters(Tariff tariff) => new
    {
        tariff.Id,
        tariff.OrganizationId,
        tariff.Name,
        tariff.Currency,
        tariff.Definition,
        tariff.Version,
        CreatedAt = Ms.Of(tariff.CreatedAt),
        UpdatedAt = Ms.Of(tariff.UpdatedAt),
    };

    /// <summary>One parameter set per target: Dapper runs the insert once for each.</summary>
    public static IEnumerable<object> TargetParameters(Tariff tariff) =>
        tariff.Targets.Select(target => new { org = tariff.OrganizationId, target, id = tariff.Id });
}

internal sealed class TariffTargetRow
{
    public string TariffId { get; set; } = "";
    public string Target { get; set; } = "";
}

internal sealed class TariffClaimRow
{
    public string Target { get; set; } = "";
    public string TariffId { get; set; } = "";
    public long TariffVersion { get; set; }

    public TariffClaim ToEntity() => new(Target, TariffId, TariffVersion);
}
