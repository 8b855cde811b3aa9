using Microsoft.Extensions.Time.Testing;
using SmartApi.Server.Infrastructure;

namespace SmartApi.Server.Tests.Infrastructure;

/// <summary>The lazily refilled token bucket behind the device, request and broker endpoint rates (timestamps at 1,000 per second).</summary>
public sealed class TokenBucketTests
{
    private const long Frequency = 1_000;

    [Fact]
    public void A_full_bucket_gives_its_burst_then_refuses_until_time_refills_it()
    {
        var bucket = new TokenBucket(perSecond: 2, burst: 3, now: 0);
        Assert.True(bucket.IsFull(0, Frequency));
        for (var i = 2; i >= 0; i--)
        {
            Assert.True(bucket.TryTake(0, Frequency, out var left));
            Assert.Equal(i, left);
        }
        Assert.False(bucket.TryTake(0, Frequency, out var none));
        Assert.Equal(0, none);
        Assert.Equal(0.5, bucket.SecondsUntil(1, 0, Frequency));
        Assert.False(bucket.TryTake(499, Frequency)); // 0.998 of a token
        Assert.True(bucket.TryTake(500, Frequency));
        Assert.False(bucket.IsFull(500, Frequency));
        Assert.True(bucket.IsFull(2_000, Frequency)); // 1.5 s at 2/s: full again, never above the burst
        Assert.Equal(0, bucket.SecondsUntil(3, 2_000, Frequency));
        Assert.True(bucket.TryTake(10_000, Frequency, out var afterIdle));
        Assert.Equal(2, afterIdle);
    }

    [Fact]
    public void A_clock_stepping_back_neither_refills_nor_drains()
    {
        var bucket = new TokenBucket(perSecond: 1, burst: 1, now: 5_000);
        Assert.True(bucket.TryTake(5_000, Frequency));
        Assert.False(bucket.TryTake(1_000, Frequency));
        Assert.False(bucket.TryTake(5_999, Frequency));
        Assert.True(bucket.TryTake(6_000, Frequency));
    }

    [Fact]
    public void New_limits_keep_the_tokens_there_up_to_the_new_burst()
    {
        var bucket = new TokenBucket(perSecond: 10, burst: 10, now: 0);
        bucket.Set(perSecond: 1, burst: 2);
        Assert.True(bucket.TryTake(0, Frequency));
        Assert.True(bucket.TryTake(0, Frequency));
        Assert.False(bucket.TryTake(0, Frequency));
        Assert.Equal(1, bucket.SecondsUntil(1, 0, Frequency));
        Assert.Equal(2, bucket.SecondsUntil(5, 0, Frequency)); // asked for more than the burst: until full
    }
}

/// <summary>The table of buckets by key: a full bucket not in use is forgotten at the next sweep, on a lookup.</summary>
public sealed class TokenBucketTableTests
{
    [Fact]
    public void Full_buckets_not_in_use_are_forgotten_once_per_sweep_period_and_the_rest_kept()
    {
        var time = new FakeTimeProvider();
        var connected = new HashSet<string> { "online" };
        var table = new TokenBucketTable<string>(TimeSpan.FromSeconds(10), time, connected.Contains, StringComparer.Ordinal);
        var busy = table.Get("busy", perSecond: 1, burst: 100, time.GetTimestamp());
        Assert.True(busy.TryTake(time.GetTimestamp(), time.TimestampFrequency)); // 99 of 100: refilled after 1 s
        var idle = table.Get("idle", 1, 100, time.GetTimestamp());
        var online = table.Get("online", 1, 100, time.GetTimestamp());
        Assert.Same(busy, table.Get("busy", 1, 100, time.GetTimestamp()));
        Assert.Equal(3, table.Count);

        time.Advance(TimeSpan.FromSeconds(0.5)); // the first lookup swept (an empty table); the next sweep is due at 10 s
        table.Get("other", 1, 100, time.GetTimestamp());
        Assert.Equal(4, table.Count);

        time.Advance(TimeSpan.FromSeconds(10));
        Assert.True(busy.TryTake(time.GetTimestamp(), time.TimestampFrequency)); // not full at the sweep
        Assert.Same(busy, table.Get("busy", 1, 100, time.GetTimestamp()));
        Assert.Equal(2, table.Count); // "idle" and "other" were full and not in use; "online" is in use
        Assert.Same(online, table.Get("online", 1, 100, time.GetTimestamp()));
        Assert.NotSame(idle, table.Get("idle", 1, 100, time.GetTimestamp())); // a new, full bucket: the same as the old one
    }
}

/// <summary>What an anonymous caller's request bucket is keyed by.</summary>
public sealed class ClientNetworkTests
{
    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7")] // a dual-stack socket's view of an IPv4 client: its own bucket, not one /64 for all of IPv4
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::")]
    [InlineData("2001:db8:1:3::1", "2001:db8:1:3::")]
    [InlineData("::1", "::")]
    public void Anonymous_callers_are_limited_per_IPv4_address_and_per_IPv6_64(string address, string expected) =>
        Assert.Equal(System.Net.IPAddress.Parse(expected), RequestRateLimits.ClientNetwork(System.Net.IPAddress.Parse(address)));

    [Fact]
    public void No_address_stays_no_address() => Assert.Null(RequestRateLimits.ClientNetwork(null));
}
