using Microsoft.Extensions.Time.Testing;

namespace SmartApi.Server.Tests;

/// <summary>
/// A wall clock that can be stepped, as NTP or an operator steps a real one: <see cref="Step"/>
/// moves the time of day (forward or back) while timers and timestamps, which run on the monotonic
/// clock, do not move; <see cref="Fake"/>.Advance moves both. FakeTimeProvider alone cannot go back.
/// </summary>
public sealed class SteppedClock(FakeTimeProvider fake) : TimeProvider
{
    private long _offsetTicks;

    public FakeTimeProvider Fake { get; } = fake;

    public void Step(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => Fake.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public override TimeZoneInfo LocalTimeZone => Fake.LocalTimeZone;

    public override long TimestampFrequency => Fake.TimestampFrequency;

    public override long GetTimestamp() => Fake.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        Fake.CreateTimer(callback, state, dueTime, period);
}
