using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Security.Cryptography;
using SmartApi.Server.ApiKeys;
using SmartApi.Storage;

namespace SmartApi.Server.Portal;

/// <summary>
/// Resolves portal tokens (<c>pt_...</c>) to restricted callers. Like API keys, sessions are cached by
/// the token's hash for <see cref="ApiKeyAuthenticator.CacheLifetime"/>: revoking through this node
/// evicts at once, other nodes notice within that time. Expiry is checked on every request against
/// <see cref="TimeProvider"/>, cached or not, so a session never outlives its <c>expiresAt</c>.
/// </summary>
internal sealed class PortalAuthenticator(IPortalSessionStore store, TimeProvider time)
{
    public const string TokenPrefix = "pt_";
    private const int MaxCachedSessions = 10_000;
    private static readonly int TokenLength = NewToken().Length;

    /// <summary>What a portal caller's scopes let through authorization; <see cref="PortalAccess"/> narrows it to the portal's endpoints.</summary>
    private static readonly string[] PortalScopes = [Scopes.AutomationsRead, Scopes.AutomationsWrite, Scopes.EventsRead];

    private readonly ConcurrentDictionary<KeyHash, (PortalSession? Session, Caller? Caller, long LoadedAt)> _cache = new();

    /// <summary>A new token: <c>pt_</c> + 256 random bits in base64url. Only its SHA-256 hash is stored.</summary>
    public static string NewToken() => TokenPrefix + ApiKeySecrets.Base64Url(RandomNumberGenerator.GetBytes(32));

    public async ValueTask<(Caller? Caller, string? Failure)> AuthenticateAsync(string token, CancellationToken cancellationToken)
    {
        if (token.Length != TokenLength)
        {
            return (null, "The portal token is not valid.");
        }
        var cacheKey = KeyHash.Of(token);
        var now = time.GetTimestamp();
        if (!_cache.TryGetValue(cacheKey, out var entry) || time.GetElapsedTime(entry.LoadedAt, now) > ApiKeyAuthenticator.CacheLifetime)
        {
            var hash = cacheKey.ToArray();
            var session = await store.FindPortalSessionByHashAsync(hash, cancellationToken);
            if (session is not null && !CryptographicOperations.FixedTimeEquals(session.TokenHash, hash))
            {
                session = null;
            }
            if (_cache.Count >= MaxCachedSessions)
            {
                _cache.Clear();
            }
            entry = (session, session is null ? null : ToCaller(session), now);
            _cache[cacheKey] = entry;
        }

        return entry.Session switch
        {
            null => (null, "The portal token is not valid."),
            { RevokedAt: not null } => (null, "The portal session was revoked."),
            { } session when time.GetUtcNow() >= session.ExpiresAt => (null, "The portal session expired."),
            _ => (entry.Caller, null),
        };
    }

    /// <summary>Drops a session from the cache (after revocation) so this node refuses its token at once.</summary>
    public void Evict(string sessionId)
    {
        foreach (var (cacheKey, entry) in _cache)
        {
            if (entry.Session?.Id == sessionId)
            {
                _cache.TryRemove(cacheKey, out _);
            }
        }
    }

    // The session id stands in for the key id: rate limits and idempotency records are per session.
    private static Caller ToCaller(PortalSession session) =>
        new(session.Id, session.OrganizationId, PortalScopes) { AutomationIds = session.AutomationIds.ToFrozenSet(StringComparer.Ordinal) };
}
