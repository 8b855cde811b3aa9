using System.Text.Json.Serialization;

namespace SmartApi.Contracts;

/// <summary>Body of <c>POST /v1/portal-sessions</c>.</summary>
/// <param name="AutomationIds">The automations the portal may manage (1-50, of the caller's organization).</param>
/// <param name="ExpiresIn">Seconds until the portal URL stops working: 60-3600, default 900.</param>
/// <param name="Brand">The integrator's name and accent colour, shown by the portal.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record CreatePortalSessionRequest(IReadOnlyList<string>? AutomationIds, int? ExpiresIn = null, PortalBrand? Brand = null);

/// <summary>How the portal presents itself.</summary>
/// <param name="Name">The integrator's name, 1-100 characters.</param>
/// <param name="AccentColor">A colour as <c>#RRGGBB</c>.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record PortalBrand(string? Name = null, string? AccentColor = null);

/// <summary>
/// A portal session. <c>url</c> (with the portal token in its fragment) is only in the response that
/// created it; after that the token cannot be read again, only revoked.
/// </summary>
public sealed record PortalSessionResponse(
    string Id,
    string OrganizationId,
    IReadOnlyList<string> AutomationIds,
    PortalBrand? Brand,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? RevokedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Url = null);
