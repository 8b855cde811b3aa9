namespace SmartApi.Storage.Relational;

internal abstract partial class SqlDialect
{
    /// <summary>Several devices' slots: one range scan of the (device_id, slot) primary key per device in the list.</summary>
    public string ListEnergySlotsOfDevices => field ??=
        "SELECT " + RelationalSql.EnergySlotColumns + " FROM energy_slots WHERE " + InList("device_id", "devices") +
        " AND organization_id = @org AND slot >= @from AND slot < @to ORDER BY device_id, slot";

    // Per device through the (device_id, slot) primary key rather than one scan of every rollup row;
    // an hour is four slots a device, a local day 92 to 100.
    private const string SumEnergySlotsHead =
        "SELECT device_id, organization_id, energy_wh FROM (SELECT d.id AS device_id, d.organization_id, " +
        "(SELECT SUM(s.energy_wh) FROM energy_slots s WHERE s.device_id = d.id AND s.slot >= @from AND s.slot < @to) AS energy_wh FROM devices d";
    private string SumEnergySlotsTail => field ??= ")" + DerivedTableAlias + " WHERE energy_wh IS NOT NULL ORDER BY device_id";
    public string SumEnergySlots => field ??= SumEnergySlotsHead + SumEnergySlotsTail;
    public string SumEnergySlotsOfOrganization => field ??= SumEnergySlotsHead + " WHERE d.organization_id = @org" + SumEnergySlotsTail;
    /// <summary>What runs before <see cref="SumEnergySegments"/>, with its parameters bound; null: nothing.</summary>
    public virtual string? BeforeSumEnergySegments => null;

    /// <summary>Whether <see cref="SumEnergySegments"/> runs in a (read, rolled back) transaction: a setting scoped to it.</summary>
    public virtual bool SumEnergySegmentsInTransaction => false;

    /// <summary>A list of (segment, from, to) ranges as a table with columns i, s, e (see <see cref="RangeList"/>).</summary>
    protected abstract string Ranges(string parameter);

    /// <summary>The value of a range-list parameter: (segment index, from, to) triples, milliseconds.</summary>
    public abstract object RangeList(IReadOnlyList<(int Segment, long From, long To)> ranges);

    /// <summary>
    /// One row per (range of the list parameter <paramref name="ranges"/>, device) with rows of
    /// <paramref name="table"/> in it, columns device_id, i and <see cref="RelationalSql.RangeSums"/>:
    /// each range is a range scan of the (device_id, <paramref name="time"/>) primary key per device,
    /// summed as it is read, so no sort or hash of the rollup rows themselves.
    /// </summary>
    protected abstract string SumRanges(string ranges, string table, string time);

    /// <summary>
    /// Per device and segment, the sums of its whole UTC hours (@hours, from energy_hours) and of its
    /// partial hours (@slots, from energy_slots): each (range, device) is summed on its own
    /// (<see cref="SumRanges"/>), then the at most three partial sums of a (device, segment) are added.
    /// </summary>
    public string SumEnergySegments => field ??=
        "SELECT device_id, i, " + RelationalSql.EnergySums + " FROM (" + SumRanges("hours", "energy_hours", "hour") +
        " UNION ALL " + SumRanges("slots", "energy_slots", "slot") + ")" + DerivedTableAlias + " GROUP BY device_id, i";
}
