namespace SmartApi.Storage.Relational;

/// <summary>The hourly rollups a batch of slot changes touches.</summary>
internal static class EnergyHours
{
    public const long HourMilliseconds = 3_600_000;

    /// <summary>Each (device, UTC hour start in ms) of <paramref name="changes"/> once, in device then hour order (the order rows are locked in).</summary>
    public static List<(string DeviceId, long Hour)> Touched(IReadOnlyList<EnergySlotTotals> changes)
    {
        var touched = new List<(string DeviceId, long Hour)>(changes.Count);
        foreach (var change in changes)
        {
            var slot = change.Slot.ToUnixTimeMilliseconds();
            touched.Add((change.DeviceId, slot - (((slot % HourMilliseconds) + HourMilliseconds) % HourMilliseconds)));
        }
        touched.Sort(static (a, b) => string.CompareOrdinal(a.DeviceId, b.DeviceId) is var c and not 0 ? c : a.Hour.CompareTo(b.Hour));
        var distinct = new List<(string DeviceId, long Hour)>(touched.Count);
        foreach (var item in touched)
        {
            if (distinct.Count == 0 || distinct[^1] != item)
            {
                distinct.Add(item);
            }
        }
        return distinct;
    }
}
