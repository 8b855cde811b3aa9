using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace SmartApi.Client.Tests;

/// <summary>A fake clock that reports each timer armed on it, so a test moves time only once the client waits.</summary>
public sealed class ArmedClock() : FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero))
{
    private readonly Channel<TimeSpan> _armed = Channel.CreateUnbounded<TimeSpan>();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        _armed.Writer.TryWrite(dueTime);
        return base.CreateTimer(callback, state, dueTime, period);
    }

    /// <summary>The due time of the next timer armed that is not one of <paramref name="ignore"/> (request and idle timeouts).</summary>
    public async Task<TimeSpan> NextTimerAsync(params TimeSpan[] ignore)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var due = await _armed.Reader.ReadAsync(timeout.Token);
            if (!ignore.Contains(due))
            {
                return due;
            }
        }
    }
}
