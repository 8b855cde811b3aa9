using SmartApi.Server.Energy;
using SmartApi.Storage;

namespace SmartApi.Server.Tests.Energy;

/// <summary>The rollup's on-time rule on its own, and what it costs per sample.</summary>
public sealed class EnergyRollupTests
{
    private static readonly DateTimeOffset T0 = new(2026, 6, 10, 8, 0, 0, TimeSpan.Zero);

    [Theory]
    // The switch changed before the interval, inside it, at its very start or end, or after it (a late sample).
    [InlineData("on", "off", -30, 0, 60)]
    [InlineData("on", "off", 20, 0, 40)]
    [InlineData("off", "on", 20, 0, 20)]
    [InlineData("on", "off", 0, 0, 60)]
    [InlineData("on", "off", 60, 0, 0)]
    [InlineData("on", "off", 90, 100, 0)]
    // Unknown counts while the power at the interval's start was above 0 W; known states ignore the power.
    [InlineData("unknown", "unknown", null, 100, 60)]
    [InlineData("unknown", "unknown", null, 0, 0)]
    [InlineData("off", "on", null, 100, 0)]
    [InlineData("on", "unknown", 45, 100, 60)]
    [InlineData("on", "unknown", 45, 0, 15)]
    public void On_seconds_of_a_minute_follow_the_switch_split_at_its_change(string state, string previous, int? changedAfterSeconds, double powerW, double expected)
    {
        var timeline = new SwitchTimeline(state, previous, changedAfterSeconds is { } s ? T0.AddSeconds(s) : null);

        Assert.Equal(expected, EnergyRollup.OnSeconds(timeline, T0, 60, powerW), 9);
    }

    [Fact]
    public void Adding_a_sample_to_a_slot_the_batch_already_has_allocates_nothing()
    {
        var rollup = new EnergyRollup();
        var timeline = new SwitchTimeline("on", "off", T0.AddSeconds(30));
        var previous = new Measurement(T0, 0, null, null, null, 0);
        var sample = new Measurement(T0.AddMinutes(1), 100, null, null, null, 0);
        rollup.Add("org_1", "dev_1", previous, sample, 1, timeline);
        for (var i = 0; i < 100; i++)
        {
            rollup.Add("org_1", "dev_1", previous, sample, 1, timeline);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            rollup.Add("org_1", "dev_1", previous, sample, 1, timeline);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        var slot = Assert.Single(rollup.Changes());
        Assert.Equal((10_101 * 60.0, 10_101 * 30.0), (slot.CoveredSeconds, slot.OnSeconds));
    }
}
