using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using SmartApi.WebConsole;
using SmartApi.Server.ApiKeys;
using SmartApi.Storage;

namespace SmartApi.Server.WebConsole;

/// <summary>
/// Console sessions: created from an API key at sign-in, then accepted by the API as that key
/// (<c>Authorization: Bearer cs_...</c>, the same <see cref="Caller"/> and scopes). Only the
/// SHA-256 of a token is stored. A session and its key are cached for
/// <see cref="ApiKeyAuthenticator.CacheLifetime"/> like API keys, so revoking the key (or the session
/// on another node) ends it within that time; on this node sign-out ends it at once.
/// </summary>
internal sealed class ConsoleSessionAuthenticator(
    ISmartApiStore store,
    ApiKeyAuthenticator apiKeys,
    ApiKeyUsageTracker usage,
    IdGenerator ids,
    IOptions<ConsoleOptions> options,
    TimeProvider time) : IConsoleSessions
{
    public const string TokenPrefix = "cs_";
    private const int MaxCachedSessions = 10_000;
    // Last use is written at most this often per session: the idle timeout is minutes, not seconds.
    private static readonly TimeSpan TouchGranularity = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<KeyHash, Entry> _cache = new();

    private sealed record Entry(ConsoleSession? Session, Caller? Caller, long LoadedAt);

    /// <summary>Signs in with an API key secret: a new session and its token (shown to nobody but the cookie), or a failure.</summary>
    public async Task<(string? Token, ConsoleSession? Session, string? Failure)> SignInAsync(string apiKey, CancellationToken cancellationToken)
    {
        if (apiKey.StartsWith(TokenPrefix, StringComparison.Ordinal))
        {
            return (null, null, "The API key is not valid.");
        }
        var (caller, failure) = await apiKeys.AuthenticateAsync(apiKey, cancellationToken);
        if (caller is null)
        {
            return (null, null, failure);
        }
        var token = TokenPrefix + System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var now = time.GetUtcNow();
        var settings = options.Value;
        var session = new ConsoleSession(ids.New("cs"), caller.OrganizationId, caller.KeyId, KeyHash.Of(token).ToArray(),
            now, now, now + settings.SessionLifetime, settings.SessionIdleTimeout);
        await store.WriteAsync(async tx =>
        {
            await tx.InsertConsoleSessionAsync(session);
            return true;
        }, cancellationToken);
        return (token, session, null);
    }

    /// <summary>The caller a session token acts as, or why not.</summary>
    public async ValueTask<(Caller? Caller, string? Failure)> AuthenticateAsync(string token, CancellationToken cancellationToken)
    {
        if (token.Length is < 40 or > ApiKeySecrets.MaxLength || !token.StartsWith(TokenPrefix, StringComparison.Ordinal))
        {
            return (null, "The console session is not valid.");
        }
        var cacheKey = KeyHash.Of(token);
        var stamp = time.GetTimestamp();
        if (!_cache.TryGetValue(cacheKey, out var entry) || time.GetElapsedTime(entry.LoadedAt, stamp) > ApiKeyAuthenticator.CacheLifetime)
        {
            entry = await LoadAsync(cacheKey, stamp, cancellationToken);
        }
        var now = time.GetUtcNow();
        if (entry.Session is not { } session || !session.IsActiveAt(now))
        {
            return (null, "The console session has ended. Sign in again.");
        }
        if (entry.Caller is null)
        {
            return (null, "The API key of this console session was revoked.");
        }
        if (now - session.LastSeenAt >= TouchGranularity)
        {
            _cache[cacheKey] = entry with { Session = session with { LastSeenAt = now } };
            await store.WriteAsync(tx => tx.TouchConsoleSessionAsync(session.Id, now), cancellationToken);
        }
        usage.Record(entry.Caller.KeyId);
        return (entry.Caller, null);
    }

    private async Task<Entry> LoadAsync(KeyHash cacheKey, long stamp, CancellationToken cancellationToken)
    {
        var hash = cacheKey.ToArray();
        var session = await store.FindConsoleSessionByHashAsync(hash, cancellationToken);
        if (session is not null && !CryptographicOperations.FixedTimeEquals(session.TokenHash, hash))
        {
            session = null;
        }
        Caller? caller = null;
        if (session is not null)
        {
            // The key is read again with the session: revoking it ends its sessions.
            var key = await store.GetApiKeyAsync(session.OrganizationId, session.ApiKeyId, cancellationToken);
            caller = key is { RevokedAt: null } ? new Caller(key.Id, key.OrganizationId, key.Scopes) : null;
        }
        if (_cache.Count >= MaxCachedSessions)
        {
            _cache.Clear();
        }
        var entry = new Entry(session, caller, stamp);
        _cache[cacheKey] = entry;
        return entry;
    }

    /// <summary>Drops the cached sessions of an API key (after it is revoked) so this node ends them at once.</summary>
    public void EvictKey(string keyId)
    {
        foreach (var (cacheKey, entry) in _cache)
        {
            if (entry.Session?.ApiKeyId == keyId)
            {
                _cache.TryRemove(cacheKey, out _);
            }
        }
    }

    public async Task SignOutAsync(string token)
    {
        if (!token.StartsWith(TokenPrefix, StringComparison.Ordinal) || token.Length > ApiKeySecrets.MaxLength)
        {
            return;
        }
        var cacheKey = KeyHash.Of(token);
        _cache.TryRemove(cacheKey, out _);
        var session = await store.FindConsoleSessionByHashAsync(cacheKey.ToArray());
        if (session is not null)
        {
            await store.WriteAsync(tx => tx.RevokeConsoleSessionAsync(session.Id, time.GetUtcNow()));
        }
    }
}
