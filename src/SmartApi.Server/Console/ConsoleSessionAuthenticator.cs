using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using SmartApi.WebConsole;
using SmartApi.Server.ApiKeys;
using SmartApi.Storage;

namespace SmartApi.Server.WebConsole;

/// <summary>
/// Console sessions: created from an API key at sign-in, then accepted by the API as that key
/// (<c>Authorization: Bearer cs_...</c>, the same <see cref="Caller"/> and scopes). Only the
/// SHA-256 of a token is stored. A session and its key are cached in a <see cref="TokenCache{T}"/>
/// like API keys, so revoking the key (or the session on another node) ends it within
/// <see cref="TokenCache.Lifetime"/>; on this node sign-out ends it at once.
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
    // Last use is written at most this often per session: the idle timeout is minutes, not seconds.
    private static readonly TimeSpan TouchGranularity = TimeSpan.FromMinutes(1);
    private readonly TokenCache<Entry> _cache = new(time, (hash, cancellationToken) => LoadAsync(store, hash, cancellationToken), entry => entry.Session.TokenHash);

    /// <summary>A session with the caller its key acts as (null once the key is revoked).</summary>
    private sealed record Entry(ConsoleSession Session, Caller? Caller);

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
        var entry = await _cache.GetAsync(cacheKey, cancellationToken);
        var now = time.GetUtcNow();
        if (entry?.Session is not { } session || !session.IsActiveAt(now))
        {
            return (null, "The console session has ended. Sign in again.");
        }
        if (entry.Caller is null)
        {
            return (null, "The API key of this console session was revoked.");
        }
        if (now - session.LastSeenAt >= TouchGranularity)
        {
            _cache.Update(cacheKey, entry with { Session = session with { LastSeenAt = now } });
            await store.WriteAsync(tx => tx.TouchConsoleSessionAsync(session.Id, now), cancellationToken);
        }
        usage.Record(entry.Caller.KeyId);
        return (entry.Caller, null);
    }

    private static async Task<Entry?> LoadAsync(ISmartApiStore store, byte[] hash, CancellationToken cancellationToken)
    {
        if (await store.FindConsoleSessionByHashAsync(hash, cancellationToken) is not { } session)
        {
            return null;
        }
        // The key is read again with the session: revoking it ends its sessions.
        var key = await store.GetApiKeyAsync(session.OrganizationId, session.ApiKeyId, cancellationToken);
        return new Entry(session, key is { RevokedAt: null } ? new Caller(key.Id, key.OrganizationId, key.Scopes) : null);
    }

    /// <summary>Drops the cached sessions of an API key (after it is revoked) so this node ends them at once.</summary>
    public void EvictKey(string keyId) => _cache.Evict(entry => entry.Session.ApiKeyId == keyId);

    public async Task SignOutAsync(string token)
    {
        if (!token.StartsWith(TokenPrefix, StringComparison.Ordinal) || token.Length > ApiKeySecrets.MaxLength)
        {
            return;
        }
        var cacheKey = KeyHash.Of(token);
        _cache.Remove(cacheKey);
        var session = await store.FindConsoleSessionByHashAsync(cacheKey.ToArray());
        if (session is not null)
        {
            await store.WriteAsync(tx => tx.RevokeConsoleSessionAsync(session.Id, time.GetUtcNow()));
        }
    }
}
