using Microsoft.Extensions.Time.Testing;
using SmartApi.Server.Infrastructure;

namespace SmartApi.Server.Tests.Infrastructure;

/// <summary>The signal a background worker waits on between polls.</summary>
public sealed class WakeSignalTests
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task A_wait_ends_at_its_timeout_on_the_time_provider()
    {
        var time = new FakeTimeProvider();
        var signal = new WakeSignal();
        var wait = signal.WaitAsync(Poll, time, CancellationToken.None);
        time.Advance(Poll - TimeSpan.FromMilliseconds(1));
        Assert.False(wait.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        await wait.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_notification_ends_the_wait_before_its_timeout()
    {
        var time = new FakeTimeProvider();
        var signal = new WakeSignal();
        var wait = signal.WaitAsync(Poll, time, CancellationToken.None);
        Assert.False(wait.IsCompleted);
        signal.Notify();
        await wait.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Notifications_without_a_waiter_are_kept_as_one()
    {
        var time = new FakeTimeProvider();
        var signal = new WakeSignal();
        signal.Notify();
        signal.Notify();
        signal.Notify();
        Assert.True(signal.WaitAsync(Poll, time, CancellationToken.None).IsCompletedSuccessfully);
        var second = signal.WaitAsync(Poll, time, CancellationToken.None);
        Assert.False(second.IsCompleted);
        time.Advance(Poll);
        await second.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        // A wait that timed out leaves nothing behind: the next one waits again.
        Assert.False(signal.WaitAsync(Poll, time, CancellationToken.None).IsCompleted);
    }

    [Fact]
    public async Task Cancelling_the_wait_throws()
    {
        var signal = new WakeSignal();
        using var cancel = new CancellationTokenSource();
        var wait = signal.WaitAsync(TimeSpan.FromHours(1), new FakeTimeProvider(), cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.True(signal.WaitAsync(TimeSpan.FromHours(1), new FakeTimeProvider(), CancellationToken.None) is { IsCompleted: false });
    }
}
