using SmartApi.Server.Measurements;
using SmartApi.Storage;

namespace SmartApi.Server.Energy;

/// <summary>
/// A telemetry batch's contribution to the energy rollups, gathered in memory per (device, slot) so
/// the batch costs one upsert per slot it touches rather than one per sample.
/// </summary>
/// <remarks>
/// A sample covers the time since the device's previous stored sample, at most
/// <see cref="EnergyAccounting.MaxIntegrationGap"/> (the first sample covers nothing): the covered
/// interval starts at the previous sample, as the previous power's integration does. The interval,
/// the sample's energy step and its on-time all belong to the slot of the sample's own timestamp,
/// as its energy always has. On-time is the part of the covered interval during which the switch
/// was on (<see cref="OnSeconds"/>).
/// </remarks>
internal sealed class EnergyRollup
{
    private static readonly double MaxCoveredSeconds = EnergyAccounting.MaxIntegrationGap.TotalSeconds;
    private readonly Dictionary<(string DeviceId, long Slot), Totals> _slots = [];

    /// <summary>
    /// Adds a stored sample whose energy step is <paramref name="deltaWh"/>; <paramref name="previous"/> is the
    /// device's sample before it and <paramref name="switchState"/> its switch as the device row has it.
    /// </summary>
    public void Add(string organizationId, string deviceId, Measurement? previous, Measurement sample, double deltaWh, SwitchTimeline switchState)
    {
        var slot = LocalCalendar.SlotStart(sample.Ts).ToUnixTimeMilliseconds();
        if (!_slots.TryGetValue((deviceId, slot), out var totals))
        {
            totals = new Totals(organizationId) { PeakPowerW = sample.PowerW };
            _slots[(deviceId, slot)] = totals;
        }
        var covered = previous is null ? 0 : Math.Clamp((sample.Ts - previous.Ts).TotalSeconds, 0, MaxCoveredSeconds);
        var previousPower = previous?.PowerW ?? 0;
        totals.EnergyWh += deltaWh;
        totals.Samples++;
        totals.PowerSumW += sample.PowerW;
        totals.PowerSeconds += previousPower * covered;
        totals.PeakPowerW = Math.Max(totals.PeakPowerW, sample.PowerW);
        totals.CoveredSeconds += covered;
        if (previous is not null)
        {
            totals.OnSeconds += OnSeconds(switchState, previous.Ts, covered, previousPower);
        }
    }

    /// <summary>
    /// The on-time of the covered interval of <paramref name="coveredSeconds"/> from <paramref name="start"/>:
    /// split at the switch's change when the change lies inside it, each part counted while its state
    /// is <c>on</c>, not while <c>off</c>, and (state <c>unknown</c>: a device that never reported
    /// one) while the power at its start (<paramref name="powerW"/>, the previous sample's) was above 0 W.
    /// </summary>
    internal static double OnSeconds(SwitchTimeline switchState, DateTimeOffset start, double coveredSeconds, double powerW)
    {
        if (switchState.ChangedAt is { } changed && changed > start && (changed - start).TotalSeconds is var before && before < coveredSeconds)
        {
            return On(switchState.PreviousState, before, powerW) + On(switchState.State, coveredSeconds - before, powerW);
        }
        return On(switchState.StateAt(start), coveredSeconds, powerW);
    }

    private static double On(string state, double seconds, double powerW) => state switch
    {
        "on" => seconds,
        "off" => 0,
        _ => powerW > 0 ? seconds : 0,
    };

    /// <summary>The changes, one per (device, slot), in device then slot order (concurrent writers lock rows in the same order).</summary>
    public List<EnergySlotTotals> Changes()
    {
        var changes = new List<EnergySlotTotals>(_slots.Count);
        foreach (var ((deviceId, slot), t) in _slots)
        {
            changes.Add(new EnergySlotTotals(t.OrganizationId, deviceId, DateTimeOffset.FromUnixTimeMilliseconds(slot), t.EnergyWh, t.Samples,
                t.PowerSumW, t.PowerSeconds, t.PeakPowerW, t.CoveredSeconds, t.OnSeconds));
        }
        changes.Sort(static (a, b) => string.CompareOrdinal(a.DeviceId, b.DeviceId) is var c and not 0 ? c : a.Slot.CompareTo(b.Slot));
        return changes;
    }

    private sealed class Totals(string organizationId)
    {
        public string OrganizationId { get; } = organizationId;
        public double EnergyWh { get; set; }
        public int Samples { get; set; }
        public double PowerSumW { get; set; }
        public double PowerSeconds { get; set; }
        public double PeakPowerW { get; set; }
        public double CoveredSeconds { get; set; }
        public double OnSeconds { get; set; }
    }
}
