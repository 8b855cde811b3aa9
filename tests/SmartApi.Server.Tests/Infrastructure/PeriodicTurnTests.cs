using SmartApi.Server.Infrastructure;

namespace SmartApi.Server.Tests.Infrastructure;

public sealed class PeriodicTurnTests
{
    [Fact]
    public void The_first_turn_is_due_at_once_and_the_next_one_a_period_later()
    {
        var turn = new PeriodicTurn();

        Assert.True(turn.TryTake(now: 100, period: 10));
        Assert.False(turn.TryTake(now: 100, period: 10));
        Assert.False(turn.TryTake(now: 109, period: 10));
        Assert.True(turn.TryTake(now: 110, period: 10));
        Assert.False(turn.TryTake(now: 119, period: 10));
        // Late callers get the turn once, and the next one counts from when it was taken.
        Assert.True(turn.TryTake(now: 500, period: 10));
        Assert.False(turn.TryTake(now: 509, period: 10));
    }

    [Fact]
    public async Task Of_many_callers_at_the_same_due_time_exactly_one_takes_the_turn()
    {
        var turn = new PeriodicTurnHolder();
        var start = new ManualResetEventSlim();
        var takers = 0;
        var callers = Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            start.Wait(TestContext.Current.CancellationToken);
            for (var i = 0; i < 1000; i++)
            {
                if (turn.TryTake(now: 5, period: 1_000))
                {
                    Interlocked.Increment(ref takers);
                }
            }
        })).ToArray();

        start.Set();
        await Task.WhenAll(callers).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(1, takers);
    }

    // A class around the struct, so that every caller takes turns on the same one.
    private sealed class PeriodicTurnHolder
    {
        private PeriodicTurn _turn;

        public bool TryTake(long now, long period) => _turn.TryTake(now, period);
    }
}
