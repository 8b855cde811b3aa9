using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace SmartApi.Server.ApiKeys;

/// <summary>How long a credential read from the database is trusted before it is read again.</summary>
internal static class TokenCache
{
    /// <summary>Revoking through this node evicts at once; other nodes notice within this time.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    /// <summary>Past this many entries the cache starts over, so random secrets cannot grow it without bound.</summary>
    public const int MaxEntries = 10_000;
}

/// <summary>
/// Credentials found by the SHA-256 of their secret (API keys, console sessions, portal sessions),
/// cached for <see cref="TokenCache.Lifetime"/> so an authenticated request costs no database read.
/// A secret that matches nothing is cached as such, so guessing costs no reads either. The stored
/// hash is compared in constant time after the lookup. A hit allocates nothing.
/// </summary>
/// <param name="load">Finds the credential by hash (null when none); what it returns is what the cache holds.</param>
/// <param name="storedHash">The hash the found credential is stored with.</param>
internal sealed class TokenCache<T>(TimeProvider time, Func<byte[], CancellationToken, Task<T?>> load, Func<T, byte[]> storedHash)
    where T : class
{
    private readonly ConcurrentDictionary<KeyHash, (T? Value, long LoadedAt)> _entries = new();

    /// <summary>What the secret with hash <paramref name="key"/> resolves to, or null; from the cache while it is fresh.</summary>
    public ValueTask<T?> GetAsync(KeyHash key, CancellationToken cancellationToken) =>
        _entries.TryGetValue(key, out var entry) && time.GetElapsedTime(entry.LoadedAt) <= TokenCache.Lifetime
            ? ValueTask.FromResult(entry.Value)
            : new ValueTask<T?>(LoadAsync(key, cancellationToken));

    private async Task<T?> LoadAsync(KeyHash key, CancellationToken cancellationToken)
    {
        var loadedAt = time.GetTimestamp();
        var hash = key.ToArray();
        var value = await load(hash, cancellationToken);
        // Defence in depth: the index lookup already matched the hash; compare in constant time anyway.
        if (value is not null && !CryptographicOperations.FixedTimeEquals(storedHash(value), hash))
        {
            value = null;
        }
        if (_entries.Count >= TokenCache.MaxEntries)
        {
            _entries.Clear();
        }
        _entries[key] = (value, loadedAt);
        return value;
    }

    /// <summary>Replaces what a cached entry holds, keeping when it was read (a session's last use moved on).</summary>
    public void Update(KeyHash key, T value)
    {
        if (_entries.TryGetValue(key, out var entry))
        {
            _entries[key] = (value, entry.LoadedAt);
        }
    }

    /// <summary>Forgets one secret, so its next use reads the database.</summary>
    public void Remove(KeyHash key) => _entries.TryRemove(key, out _);

    /// <summary>Forgets every entry <paramref name="match"/> selects (after a revocation), so this node refuses them at once.</summary>
    public void Evict(Func<T, bool> match)
    {
        foreach (var (key, entry) in _entries)
        {
            if (entry.Value is { } value && match(value))
            {
                _entries.TryRemove(key, out _);
            }
        }
    }
}
