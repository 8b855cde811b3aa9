namespace SmartApi.Server.Infrastructure;

/// <summary>
/// Lets one caller through at most once per period, without a lock: the caches that sweep themselves on a
/// lookup (<see cref="TokenBucketTable{TKey}"/>, the gateway's credentials) take a turn on every lookup, and the
/// lookups that are not due, or that lose the race for a due turn, go on at once.
/// </summary>
/// <remarks>A mutable struct: keep it in a field that is not read-only, and call it on the field.</remarks>
internal struct PeriodicTurn
{
    private long _next;

    /// <summary>
    /// True for the one caller that comes at or after the due time; the next turn is then due
    /// <paramref name="period"/> after <paramref name="now"/> (both in the caller's unit: timestamps or ticks).
    /// The first turn is due at once.
    /// </summary>
    public bool TryTake(long now, long period)
    {
        var next = Interlocked.Read(ref _next);
        return now >= next && Interlocked.CompareExchange(ref _next, now + period, next) == next;
    }
}
