using SmartApi.Storage;

namespace SmartApi.Server.Measurements;

/// <summary>A telemetry report from a device (SPEC: MQTT <c>devices/{serial}/telemetry</c>).</summary>
internal sealed record TelemetrySample(
    DateTimeOffset Ts,
    double PowerW,
    double? VoltageV = null,
    double? CurrentA = null,
    double? EnergyWh = null,
    double? TemperatureC = null);

/// <summary>
/// The server's own energy total per device, which never goes down. A device's counter may reset
/// (reboot, firmware update, replacement): when a reading is below the previous one, the energy
/// since the reset is the new reading itself. Devices that send no counter get power integrated
/// over time (the previous sample's power over the gap, the gap capped so a device that was away
/// for hours is not credited with hours of its last power).
/// </summary>
/// <remarks>
/// A step larger than <see cref="TelemetryLimits.MaxEnergyStepWh"/> allows (more than the largest
/// plausible power could deliver since the previous sample) is refused: it adds nothing and the
/// sample is not stored. Its reading still becomes the baseline, so a counter that truly jumped (a
/// replaced device) loses one sample rather than every sample until time catches up with it.
/// </remarks>
internal static class EnergyAccounting
{
    public static readonly TimeSpan MaxIntegrationGap = TimeSpan.FromMinutes(5);

    public readonly record struct Step(double DeltaWh, double TotalWh, double? CounterWh, bool CounterReset, double? PreviousCounterWh, bool Refused = false);

    public static Step Next(double totalWh, double? lastCounterWh, Measurement? previous, TelemetrySample sample)
    {
        double delta;
        var reset = false;
        var counter = lastCounterWh;
        if (sample.EnergyWh is { } reading)
        {
            if (lastCounterWh is not { } last)
            {
                delta = 0; // the first reading only sets the baseline
            }
            else if (reading >= last)
            {
                delta = reading - last;
            }
            else
            {
                delta = reading;
                reset = true;
            }
            counter = reading;
            var elapsed = previous is null ? TimeSpan.Zero : sample.Ts - previous.Ts;
            if (delta > TelemetryLimits.MaxEnergyStepWh(elapsed))
            {
                return new Step(0, totalWh, counter, false, null, Refused: true);
            }
        }
        else if (previous is not null)
        {
            var gap = sample.Ts - previous.Ts;
            if (gap > MaxIntegrationGap)
            {
                gap = MaxIntegrationGap;
            }
            // A previous power outside the limits can only be a row stored by an older version.
            var power = TelemetryLimits.IsPower(previous.PowerW) ? Math.Max(0, previous.PowerW) : 0;
            delta = power * gap.TotalHours;
        }
        else
        {
            delta = 0;
        }
        return new Step(delta, totalWh + delta, counter, reset, reset ? lastCounterWh : null);
    }
}
