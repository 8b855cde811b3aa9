using Microsoft.Extensions.Time.Testing;
using SmartApi.Server.ApiKeys;

namespace SmartApi.Server.Tests.ApiKeys;

/// <summary>The one cache behind API keys, console sessions and portal sessions.</summary>
public sealed class TokenCacheTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record Credential(string Id, byte[] Hash);

    /// <summary>A store of credentials by hash that counts its reads.</summary>
    private sealed class Store
    {
        public Dictionary<string, Credential> ByHash { get; } = [];
        public int Reads { get; private set; }

        public Task<Credential?> FindAsync(byte[] hash, CancellationToken cancellationToken)
        {
            Reads++;
            return Task.FromResult(ByHash.GetValueOrDefault(Convert.ToHexString(hash)));
        }

        public KeyHash Add(string id, string secret, byte[]? storedHash = null)
        {
            var key = KeyHash.Of(secret);
            ByHash[Convert.ToHexString(key.ToArray())] = new Credential(id, storedHash ?? key.ToArray());
            return key;
        }
    }

    private static (TokenCache<Credential> Cache, Store Store, FakeTimeProvider Time) Create()
    {
        var store = new Store();
        var time = new FakeTimeProvider();
        return (new TokenCache<Credential>(time, store.FindAsync, c => c.Hash), store, time);
    }

    [Fact]
    public async Task A_credential_is_read_once_per_lifetime_and_again_after_it()
    {
        var (cache, store, time) = Create();
        var key = store.Add("key_1", "secret-one");

        Assert.Equal("key_1", (await cache.GetAsync(key, Ct))?.Id);
        Assert.Equal("key_1", (await cache.GetAsync(key, Ct))?.Id);
        Assert.Equal(1, store.Reads);

        time.Advance(TokenCache.Lifetime);
        await cache.GetAsync(key, Ct);
        Assert.Equal(1, store.Reads);

        time.Advance(TimeSpan.FromMilliseconds(1));
        await cache.GetAsync(key, Ct);
        Assert.Equal(2, store.Reads);
    }

    [Fact]
    public async Task An_unknown_secret_is_cached_as_unknown_so_guessing_costs_no_reads()
    {
        var (cache, store, _) = Create();
        var key = KeyHash.Of("nobody");

        Assert.Null(await cache.GetAsync(key, Ct));
        Assert.Null(await cache.GetAsync(key, Ct));
        Assert.Equal(1, store.Reads);
    }

    [Fact]
    public async Task A_found_credential_whose_stored_hash_differs_is_refused()
    {
        var (cache, store, _) = Create();
        var key = store.Add("key_1", "secret-one", storedHash: new byte[32]);

        Assert.Null(await cache.GetAsync(key, Ct));
    }

    [Fact]
    public async Task Evict_and_remove_make_the_next_use_read_the_store()
    {
        var (cache, store, _) = Create();
        var first = store.Add("key_1", "secret-one");
        var second = store.Add("key_2", "secret-two");
        await cache.GetAsync(first, Ct);
        await cache.GetAsync(second, Ct);

        cache.Evict(c => c.Id == "key_1");
        await cache.GetAsync(first, Ct);
        await cache.GetAsync(second, Ct);
        Assert.Equal(3, store.Reads);

        cache.Remove(second);
        await cache.GetAsync(second, Ct);
        Assert.Equal(4, store.Reads);
    }

    [Fact]
    public async Task Update_replaces_the_value_but_not_when_it_was_read()
    {
        var (cache, store, time) = Create();
        var key = store.Add("key_1", "secret-one");
        await cache.GetAsync(key, Ct);
        time.Advance(TokenCache.Lifetime / 2);

        cache.Update(key, new Credential("key_1-touched", key.ToArray()));
        Assert.Equal("key_1-touched", (await cache.GetAsync(key, Ct))?.Id);

        time.Advance(TokenCache.Lifetime / 2 + TimeSpan.FromMilliseconds(1));
        Assert.Equal("key_1", (await cache.GetAsync(key, Ct))?.Id);
        Assert.Equal(2, store.Reads);
    }

    [Fact]
    public async Task The_cache_stays_bounded()
    {
        var (cache, store, _) = Create();
        var first = KeyHash.Of("secret-0");
        for (var i = 0; i <= TokenCache.MaxEntries; i++)
        {
            await cache.GetAsync(KeyHash.Of("secret-" + i), Ct);
        }
        var reads = store.Reads;

        // The cache started over when it was full, so the first secret is read again.
        await cache.GetAsync(first, Ct);
        Assert.Equal(reads + 1, store.Reads);
    }
}
