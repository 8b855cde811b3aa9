using System.Collections.Concurrent;

namespace SmartApi.Server.Infrastructure;

/// <summary>
/// A token bucket refilled lazily from the clock's timestamps whenever it is asked: no timer, so an
/// idle server is not woken to top buckets up (System.Threading.RateLimiting's partitioned limiter
/// wakes the thread pool ten times a second per limiter, the single one on every period). Taking a
/// token is a lock and a few arithmetic operations, no allocation. Used for the devices' message
/// rate, the API's request rate and the broker endpoints' rate.
/// </summary>
internal sealed class TokenBucket(double perSecond, double burst, long now)
{
    private readonly Lock _lock = new();
    private double _perSecond = perSecond;
    private double _burst = burst;
    private double _tokens = burst;
    private long _refilled = now;

    /// <summary>New limits (an organization's changed); the tokens already there stay, up to the new burst.</summary>
    public void Set(double perSecond, double burst)
    {
        lock (_lock)
        {
            _perSecond = perSecond;
            _burst = burst;
            _tokens = Math.Min(_tokens, _burst);
        }
    }

    /// <summary>Takes one token; false when there is none.</summary>
    public bool TryTake(long now, long frequency) => TryTake(now, frequency, out _);

    /// <summary>Takes one token; <paramref name="left"/> is what is left after it (or, refused, 0).</summary>
    public bool TryTake(long now, long frequency, out double left)
    {
        lock (_lock)
        {
            Refill(now, frequency);
            if (_tokens < 1)
            {
                left = 0;
                return false;
            }
            _tokens -= 1;
            left = _tokens;
            return true;
        }
    }

    /// <summary>Seconds until the bucket holds <paramref name="tokens"/> again (0 when it does).</summary>
    public double SecondsUntil(double tokens, long now, long frequency)
    {
        lock (_lock)
        {
            Refill(now, frequency);
            return _tokens >= tokens ? 0 : (Math.Min(tokens, _burst) - _tokens) / _perSecond;
        }
    }

    /// <summary>Whether the bucket is full: a new bucket would be the same, so this one can be forgotten.</summary>
    public bool IsFull(long now, long frequency)
    {
        lock (_lock)
        {
            Refill(now, frequency);
            return _tokens >= _burst;
        }
    }

    private void Refill(long now, long frequency)
    {
        // A clock stepping back refills nothing (and does not drain either).
        if (now > _refilled)
        {
            _tokens = Math.Min(_burst, _tokens + (now - _refilled) * _perSecond / frequency);
            _refilled = now;
        }
    }
}

/// <summary>
/// Token buckets by key. A full bucket is what a new one would be, so at most once per sweep
/// period (on a lookup, never from a timer) the full buckets whose key is not in use are
/// forgotten: the table stays as small as the callers of the last period, a flood from many
/// keys included.
/// </summary>
internal sealed class TokenBucketTable<TKey>(TimeSpan sweepPeriod, TimeProvider time, Func<TKey, bool>? inUse = null, IEqualityComparer<TKey>? comparer = null)
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, TokenBucket> _buckets = new(comparer);
    private readonly long _sweepTicks = (long)(sweepPeriod.TotalSeconds * time.TimestampFrequency);
    private PeriodicTurn _sweep;

    /// <summary>Buckets tracked.</summary>
    public int Count => _buckets.Count;

    /// <summary>The key's bucket, a new full one when it has none (<paramref name="now"/> a timestamp of the table's clock).</summary>
    public TokenBucket Get(TKey key, double perSecond, double burst, long now)
    {
        Sweep(now);
        return _buckets.GetOrAdd(key, static (_, s) => new TokenBucket(s.perSecond, s.burst, s.now), (perSecond, burst, now));
    }

    private void Sweep(long now)
    {
        if (!_sweep.TryTake(now, _sweepTicks))
        {
            return;
        }
        foreach (var (key, bucket) in _buckets)
        {
            if (bucket.IsFull(now, time.TimestampFrequency) && inUse?.Invoke(key) != true)
            {
                _buckets.TryRemove(key, out _);
            }
        }
    }
}
