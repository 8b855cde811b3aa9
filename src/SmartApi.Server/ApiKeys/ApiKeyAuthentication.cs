using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.ApiKeys;

/// <summary>The authenticated identity: it carries the <see cref="Caller"/> so handlers never parse claims.</summary>
internal sealed class CallerIdentity(Caller caller) : ClaimsIdentity(ApiKeyAuthentication.SchemeName)
{
    public Caller Caller { get; } = caller;
}

internal static class CallerExtensions
{
    public static Caller Caller(this ClaimsPrincipal user) =>
        (user.Identity as CallerIdentity)?.Caller ?? throw new InvalidOperationException("The endpoint is not behind API key authentication.");
}

/// <summary>
/// Resolves API keys to callers through a <see cref="TokenCache{T}"/>, so a request costs no database
/// read for authentication; revoking through this node evicts at once, other nodes notice within
/// <see cref="TokenCache.Lifetime"/>.
/// </summary>
internal sealed class ApiKeyAuthenticator
{
    private readonly TokenCache<Resolved> _cache;
    private readonly ApiKeyUsageTracker _usage;

    public ApiKeyAuthenticator(IOrganizationStore store, ApiKeyUsageTracker usage, TimeProvider time)
    {
        _usage = usage;
        _cache = new TokenCache<Resolved>(time, async (hash, cancellationToken) =>
            await store.FindApiKeyByHashAsync(hash, cancellationToken) is { } key ? new Resolved(key, new Caller(key.Id, key.OrganizationId, key.Scopes)) : null,
            resolved => resolved.Key.Hash);
    }

    /// <summary>A key with its caller, built once per cache load rather than per request.</summary>
    private sealed record Resolved(ApiKey Key, Caller Caller);

    public async ValueTask<(Caller? Caller, string? Failure)> AuthenticateAsync(string secret, CancellationToken cancellationToken)
    {
        if (secret.Length is < 32 or > ApiKeySecrets.MaxLength)
        {
            return (null, "The API key is not valid.");
        }
        switch (await _cache.GetAsync(KeyHash.Of(secret), cancellationToken))
        {
            case null:
                return (null, "The API key is not valid.");
            case { Key.RevokedAt: not null }:
                return (null, "The API key was revoked.");
            case var resolved:
                _usage.Record(resolved.Key.Id);
                return (resolved.Caller, null);
        }
    }

    /// <summary>Drops a key from the cache (after revocation) so this node refuses it at once.</summary>
    public void Evict(string keyId) => _cache.Evict(resolved => resolved.Key.Id == keyId);
}

/// <summary>The SHA-256 of a secret as a value: a cache key computed without allocating.</summary>
internal readonly record struct KeyHash(ulong A, ulong B, ulong C, ulong D)
{
    public static KeyHash Of(string secret)
    {
        Span<byte> utf8 = stackalloc byte[ApiKeySecrets.MaxLength * 3];
        var length = System.Text.Encoding.UTF8.GetBytes(secret, utf8);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(utf8[..length], hash);
        var words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(hash);
        return new KeyHash(words[0], words[1], words[2], words[3]);
    }

    public byte[] ToArray()
    {
        var bytes = new byte[32];
        System.Runtime.InteropServices.MemoryMarshal.Write(bytes, this);
        return bytes;
    }
}

/// <summary>
/// ASP.NET Core authentication for <c>Authorization: Bearer &lt;key&gt;</c> or <c>X-API-Key</c>.
/// 401 and 403 answer problem+json like every other error.
/// </summary>
internal sealed class ApiKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyAuthenticator authenticator,
    Portal.PortalAuthenticator portal,
    WebConsole.ConsoleSessionAuthenticator consoleSessions,
    IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    private const string MissingKey = "Send an API key as 'Authorization: Bearer <key>' or 'X-API-Key: <key>'.";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var secret = ReadKey(Request.Headers);
        if (secret is null)
        {
            return AuthenticateResult.Fail(MissingKey);
        }
        // A portal token is a caller restricted to some automations; a web console session token
        // acts as its session's API key; anything else is an API key.
        var (caller, failure) =
            secret.StartsWith(Portal.PortalAuthenticator.TokenPrefix, StringComparison.Ordinal) ? await portal.AuthenticateAsync(secret, Context.RequestAborted)
            : secret.StartsWith(WebConsole.ConsoleSessionAuthenticator.TokenPrefix, StringComparison.Ordinal) ? await consoleSessions.AuthenticateAsync(secret, Context.RequestAborted)
            : await authenticator.AuthenticateAsync(secret, Context.RequestAborted);
        return caller is null
            ? AuthenticateResult.Fail(failure!)
            : AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new CallerIdentity(caller)), SchemeName));
    }

    private static string? ReadKey(IHeaderDictionary headers)
    {
        var authorization = headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return authorization[7..].Trim();
        }
        var apiKey = headers["X-API-Key"].ToString().Trim();
        return apiKey.Length > 0 ? apiKey : null;
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await WriteProblemAsync(401, "unauthorized", "Unauthorized", result.Failure?.Message ?? MissingKey);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        var scope = Context.GetEndpoint()?.Metadata.GetMetadata<RequiredScope>()?.Scope;
        await WriteProblemAsync(403, "insufficient_scope", "Forbidden",
            scope is null ? "The API key lacks a scope this operation needs." : $"The API key lacks the '{scope}' scope this operation needs.");
    }

    private async Task WriteProblemAsync(int status, string code, string title, string detail) =>
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = new Microsoft.AspNetCore.Mvc.ProblemDetails
            {
                Status = status,
                Title = title,
                Detail = detail,
                Type = Problems.TypeBase + code,
                Extensions = { ["code"] = code },
            },
        });
}

/// <summary>Endpoint metadata naming the scope an endpoint needs (for the 403 message and the OpenAPI document).</summary>
internal sealed record RequiredScope(string Scope)
{
    /// <summary>Any valid API key, whatever its scopes (<see cref="ScopeAuthorization.RequireApiKey"/>).</summary>
    public const string AnyKey = "";
}

internal static class ScopeAuthorization
{
    public static string PolicyName(string scope) => "scope:" + scope;

    private const string AnyKeyPolicy = "key";

    public static void AddScopePolicies(this Microsoft.AspNetCore.Authorization.AuthorizationOptions options)
    {
        foreach (var scope in Scopes.All)
        {
            // No AddAuthenticationSchemes: API keys are the default scheme, already run by the
            // authentication middleware; naming it here would authenticate again per request.
            options.AddPolicy(PolicyName(scope), policy => policy
                .RequireAuthenticatedUser()
                .RequireAssertion(context => context.User.Identity is CallerIdentity identity && identity.Caller.Has(scope)));
        }
        options.AddPolicy(AnyKeyPolicy, policy => policy.RequireAuthenticatedUser().RequireAssertion(context => context.User.Identity is CallerIdentity));
    }

    /// <summary>Requires an API key with <paramref name="scope"/> (or <c>admin</c>) on every endpoint of the builder.</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string scope) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(PolicyName(scope)).WithMetadata(new RequiredScope(scope));

    /// <summary>
    /// Requires any valid API key, whatever its scopes. The endpoint still carries <see cref="RequiredScope"/>
    /// metadata, so a portal session is denied by default (Portal/PortalAccess.cs) and the OpenAPI document names the scheme.
    /// </summary>
    public static TBuilder RequireApiKey<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(AnyKeyPolicy).WithMetadata(new RequiredScope(RequiredScope.AnyKey));
}
