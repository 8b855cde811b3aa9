namespace SmartApi.Server.ApiKeys;

/// <summary>The scopes an API key can carry (SPEC: Authentication and tenancy).</summary>
internal static class Scopes
{
    public const string DevicesRead = "devices:read";
    public const string DevicesWrite = "devices:write";
    public const string EventsRead = "events:read";
    public const string AutomationsRead = "automations:read";
    public const string AutomationsWrite = "automations:write";
    public const string TariffsRead = "tariffs:read";
    public const string TariffsWrite = "tariffs:write";
    public const string KeysManage = "keys:manage";
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All =
        [DevicesRead, DevicesWrite, EventsRead, AutomationsRead, AutomationsWrite, TariffsRead, TariffsWrite, KeysManage, Admin];
}

/// <summary>Who is calling: the key, its organization and its scopes. Built once per key and cached.</summary>
internal sealed class Caller(string keyId, string organizationId, IReadOnlyList<string> scopes)
{
    private readonly HashSet<string> _scopes = new(scopes, StringComparer.Ordinal);

    public string KeyId { get; } = keyId;
    public string OrganizationId { get; } = organizationId;
    public IReadOnlyList<string> Scopes { get; } = scopes;
    public bool IsAdmin => _scopes.Contains(ApiKeys.Scopes.Admin);

    /// <summary>A portal session's automations: when set, the caller reaches only these (Portal/PortalAccess.cs).</summary>
    public IReadOnlySet<string>? AutomationIds { get; init; }

    /// <summary><c>admin</c> implies every scope.</summary>
    public bool Has(string scope) => IsAdmin || _scopes.Contains(scope);
}
