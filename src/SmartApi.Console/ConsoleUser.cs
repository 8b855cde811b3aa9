using System.Security.Claims;
using SmartApi.Contracts;

namespace SmartApi.WebConsole;

/// <summary>
/// The claims of a signed-in console user. The server's session middleware puts them on the request
/// (and so on the circuit, which starts from the WebSocket request); components read them here.
/// </summary>
public static class ConsoleClaims
{
    public const string AuthenticationType = "ConsoleSession";
    public const string Token = "smartapi:console_token";
    public const string Organization = "smartapi:organization";
    public const string ApiKey = "smartapi:api_key";
    public const string Scope = "smartapi:scope";
}

/// <summary>
/// Who is signed in: the session token the console sends to the API, and the key's scopes. On the
/// portal's page it is the portal session instead (<see cref="Portal"/> set, the token a <c>pt_</c> one).
/// </summary>
public sealed record ConsoleUser(string Token, string OrganizationId, string ApiKeyId, IReadOnlySet<string> Scopes)
{
    /// <summary>What a portal token's caller holds (the API narrows it further to its automations).</summary>
    private static readonly string[] PortalScopes = ["automations:read", "automations:write", "events:read"];

    /// <summary>Set on the portal's page: the session's automations, brand and expiry. Null in the console.</summary>
    public PortalGrant? Portal { get; init; }

    public bool IsAdmin => Scopes.Contains("admin");

    /// <summary>Whether the key holds <paramref name="scope"/> (admin holds every scope): what the console shows follows this.</summary>
    public bool Can(string scope) => IsAdmin || Scopes.Contains(scope);

    public static ConsoleUser? From(ClaimsPrincipal? principal)
    {
        var identity = principal?.Identities.FirstOrDefault(i => i.AuthenticationType == ConsoleClaims.AuthenticationType && i.IsAuthenticated);
        if (identity?.FindFirst(ConsoleClaims.Token)?.Value is not { } token)
        {
            return null;
        }
        return new ConsoleUser(
            token,
            identity.FindFirst(ConsoleClaims.Organization)?.Value ?? "",
            identity.FindFirst(ConsoleClaims.ApiKey)?.Value ?? "",
            identity.FindAll(ConsoleClaims.Scope).Select(c => c.Value).ToHashSet(StringComparer.Ordinal));
    }

    /// <summary>The portal's user: its <c>pt_</c> token and what <c>GET /v1/portal-sessions/current</c> said of it.</summary>
    public static ConsoleUser ForPortal(string token, PortalSessionResponse session) =>
        new(token, session.OrganizationId, session.Id, PortalScopes.ToHashSet(StringComparer.Ordinal))
        {
            Portal = new PortalGrant(session.AutomationIds, string.IsNullOrWhiteSpace(session.Brand?.Name) ? null : session.Brand.Name, session.Brand?.AccentColor, session.ExpiresAt),
        };

    public static ClaimsPrincipal ToPrincipal(string token, string organizationId, string apiKeyId, IEnumerable<string> scopes)
    {
        var claims = new List<Claim>
        {
            new(ConsoleClaims.Token, token),
            new(ConsoleClaims.Organization, organizationId),
            new(ConsoleClaims.ApiKey, apiKeyId),
        };
        claims.AddRange(scopes.Select(scope => new Claim(ConsoleClaims.Scope, scope)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, ConsoleClaims.AuthenticationType));
    }
}

/// <summary>A portal session as its page needs it: which automations, whose name and colour, until when.</summary>
public sealed record PortalGrant(IReadOnlyList<string> AutomationIds, string? BrandName, string? AccentColor, DateTimeOffset ExpiresAt);
