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
}
