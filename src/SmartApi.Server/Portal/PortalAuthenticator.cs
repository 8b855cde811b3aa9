using System.Collections.Frozen;
using System.Security.Cryptography;
using SmartApi.Server.ApiKeys;
using SmartApi.Storage;

namespace SmartApi.Server.Portal;

/// <summary>
/// Resolves portal tokens (<c>pt_...</c>) to restricted callers. Like API keys, sessions are cached by
/// the token's hash in a <see cref="TokenCache{T}"/>: revoking through this node evicts at once, other
/// nodes notice within <see cref="TokenCache.Lifetime"/>. Expiry is checked on every request against
/// <see cref="TimeProvider"/>, cached or not, so a session never outlives its <c>expiresAt</c>.
/// </summary>
internal sealed class PortalAuthenticator
{
    public const string TokenPrefix = "pt_";
    private static readonly int TokenLength = NewToken().Length;

    /// <summary>What a portal caller's scopes let through authorization; <see cref="PortalAccess"/> narrows it to the portal's endpoints.</summary>
    private static readonly string[] PortalScopes = [Scopes.AutomationsRead, Scopes.AutomationsWrite, Scopes.EventsRead];

    private readonly TokenCache<Resolved> _cache;
    private readonly TimeProvider _time;

    public PortalAuthenticator(IPortalSessionStore store, TimeProvider time)
    {
        _time = time;
        _cache = new TokenCache<Resolved>(time, async (hash, cancellationToken) =>
            await store.FindPortalSessionByHashAsync(hash, cancellationToken) is { } session ? new Resolved(session, ToCaller(session)) : null,
            resolved => resolved.Session.TokenHash);
    }

    private sealed record Resolved(PortalSession Session, Caller Caller);

    /// <summary>A new token: <c>pt_</c> + 256 random bits in base64url. Only its SHA-256 hash is stored.</summary>
    public static string NewToken() => TokenPrefix + ApiKeySecrets.Base64Url(RandomNumberGenerator.GetBytes(32));

    public async ValueTask<(Caller? Caller, string? Failure)> AuthenticateAsync(string token, CancellationToken cancellationToken)
    {
        if (token.Length != TokenLength)
        {
            return (null, "The portal token is not valid.");
        }
        return await _cache.GetAsync(KeyHash.Of(token), cancellationToken) switch
        {
            null => (null, "The portal token is not valid."),
            { Session.RevokedAt: not null } => (null, "The portal session was revoked."),
            { } resolved when _time.GetUtcNow() >= resolved.Session.ExpiresAt => (null, "The portal session expired."),
            var resolved => (resolved.Caller, null),
        };
    }

    /// <summary>Drops a session from the cache (after revocation) so this node refuses its token at once.</summary>
    public void Evict(string sessionId) => _cache.Evict(resolved => resolved.Session.Id == sessionId);

    // The session id stands in for the key id: rate limits and idempotency records are per session.
    private static Caller ToCaller(PortalSession session) =>
        new(session.Id, session.OrganizationId, PortalScopes) { AutomationIds = session.AutomationIds.ToFrozenSet(StringComparer.Ordinal) };
}
