using System.Security.Claims;

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

/// <summary>Who is signed in: the session token the console sends to the API, and the key's scopes.</summary>
public sealed record ConsoleUser(string Token, string OrganizationId, string ApiKeyId, IReadOnlySet<string> Scopes)
{
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
