using CsCheck;
using SmartApi.Server.Measurements;
using SmartApi.Storage;

namespace SmartApi.Server.Tests.Measurements;

public sealed class EnergyAccountingTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Counter_reset_counts_the_new_reading()
    {
        var step = EnergyAccounting.Next(100, 510, null, new TelemetrySample(T0, 0, EnergyWh: 3));
        Assert.True(step.CounterReset);
        Assert.Equal((3, 103, 3, 510.0), (step.DeltaWh, step.TotalWh, step.CounterWh!.Value, step.PreviousCounterWh!.Value));
    }

    [Fact]
    public void Without_a_counter_power_is_integrated_with_a_capped_gap()
    {
        var previous = new Measurement(T0, 1200, null, null, null, 0);
        Assert.Equal(10, EnergyAccounting.Next(0, null, previous, new TelemetrySample(T0.AddSeconds(30), 0)).DeltaWh, 9);
        Assert.Equal(100, EnergyAccounting.Next(0, null, previous, new TelemetrySample(T0.AddHours(3), 0)).DeltaWh, 9);
    }

    [Fact]
    public void Total_never_goes_down_whatever_the_device_reports()
    {
        var readings = Gen.Select(Gen.Double[0, 1e6], Gen.Bool, Gen.Double[0, 5000], Gen.Int[1, 600]).Array[1, 50];
        readings.Sample(series =>
        {
            double total = 0;
            double? counter = null;
            Measurement? previous = null;
            var ts = T0;
            foreach (var (reading, hasCounter, power, seconds) in series)
            {
                ts = ts.AddSeconds(seconds);
                var step = EnergyAccounting.Next(total, counter, previous, new TelemetrySample(ts, power, EnergyWh: hasCounter ? reading : null));
                if (step.TotalWh < total || step.DeltaWh < 0)
                {
                    return false;
                }
                (total, counter) = (step.TotalWh, step.CounterWh);
                previous = new Measurement(ts, power, null, null, null, total);
            }
            return true;
        });
    }

    [Fact]
    public void A_step_larger_than_the_elapsed_time_allows_is_refused_and_becomes_the_baseline()
    {
        var previous = new Measurement(T0, 100, null, null, null, 50);

        var jump = EnergyAccounting.Next(50, 1, previous, new TelemetrySample(T0.AddSeconds(1), 100, EnergyWh: 1e12));
        var reset = EnergyAccounting.Next(50, 1e12, previous, new TelemetrySample(T0.AddSeconds(1), 100, EnergyWh: 1e9));
        var afterAnHour = EnergyAccounting.Next(50, 1, previous, new TelemetrySample(T0.AddHours(1), 100, EnergyWh: 101_001));
        var tooMuchForAnHour = EnergyAccounting.Next(50, 1, previous, new TelemetrySample(T0.AddHours(1), 100, EnergyWh: 101_002));

        Assert.Equal((true, 0.0, 50.0, 1e12), (jump.Refused, jump.DeltaWh, jump.TotalWh, jump.CounterWh!.Value));
        Assert.Equal((true, 0.0, 50.0, 1e9), (reset.Refused, reset.DeltaWh, reset.TotalWh, reset.CounterWh!.Value));
        // 100 kW for an hour plus the 1 kWh slack.
        Assert.Equal((false, 101_000.0), (afterAnHour.Refused, afterAnHour.DeltaWh));
        Assert.True(tooMuchForAnHour.Refused);
    }

    [Fact]
    public void A_stored_power_outside_the_limits_integrates_to_nothing()
    {
        var previous = new Measurement(T0, 1.7e308, null, null, null, 0);
        Assert.Equal(0, EnergyAccounting.Next(0, null, previous, new TelemetrySample(T0.AddMinutes(1), 0)).DeltaWh);
    }

    [Fact]
    public void Every_accepted_step_is_bounded_by_the_elapsed_time_and_the_total_stays_finite()
    {
        // Counters anywhere in their range, jumping between the extremes; power anywhere in its range; any gap.
        var counter = Gen.OneOf(Gen.Double[TelemetryLimits.MinEnergyWh, TelemetryLimits.MaxEnergyWh], Gen.OneOfConst(0, 1, TelemetryLimits.MaxEnergyWh));
        var power = Gen.OneOf(Gen.Double[TelemetryLimits.MinPowerW, TelemetryLimits.MaxPowerW], Gen.OneOfConst(TelemetryLimits.MinPowerW, TelemetryLimits.MaxPowerW));
        var readings = Gen.Select(counter, Gen.Bool, power, Gen.Int[1, 10_000_000]).Array[1, 200];
        readings.Sample(series =>
        {
            double total = 0;
            double? last = null;
            Measurement? previous = null;
            var ts = T0;
            foreach (var (reading, hasCounter, watts, milliseconds) in series)
            {
                ts = ts.AddMilliseconds(milliseconds);
                var step = EnergyAccounting.Next(total, last, previous, new TelemetrySample(ts, watts, EnergyWh: hasCounter ? reading : null));
                var elapsed = previous is null ? TimeSpan.Zero : ts - previous.Ts;
                if (!double.IsFinite(step.TotalWh) || step.TotalWh < total || step.DeltaWh > TelemetryLimits.MaxEnergyStepWh(elapsed))
                {
                    return false;
                }
                last = step.CounterWh;
                if (!step.Refused)
                {
                    total = step.TotalWh;
                    previous = new Measurement(ts, watts, null, null, null, total);
                }
            }
            return true;
        });
    }
}
