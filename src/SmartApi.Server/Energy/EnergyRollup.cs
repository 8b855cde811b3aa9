using SmartApi.Server.Measurements;
using SmartApi.Storage;

namespace SmartApi.Server.Energy;

/// <summary>
/// A telemetry batch's contribution to the energy rollups, gathered in memory per (device, slot) so
/// the batch costs one upsert per slot it touches rather than one per sample.
/// </summary>
/// <remarks>
/// A sample covers the time since the device's previous stored sample, at most
/// <see cref="EnergyAccounting.MaxIntegrationGap"/> (the first sample covers nothing). The interval,
/// the sample's energy step and its on-time (the interval, when the previous sample's power was
/// above 0 W) all belong to the slot of the sample's own timestamp, as its energy always has.
/// </remarks>
internal sealed class EnergyRollup
{
    private static readonly double MaxCoveredSeconds = EnergyAccounting.MaxIntegrationGap.TotalSeconds;
    private readonly Dictionary<(string DeviceId, long Slot), Totals> _slots = [];

    /// <summary>Adds a stored sample whose energy step is <paramref name="deltaWh"/>; <paramref name="previous"/> is the device's sample before it.</summary>
    public void Add(string organizationId, string deviceId, Measurement? previous, Measurement sample, double deltaWh)
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
        if (previousPower > 0)
        {
            totals.OnSeconds += covered;
        }
    }

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
