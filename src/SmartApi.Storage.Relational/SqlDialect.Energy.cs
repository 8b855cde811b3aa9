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
    /// <summary>What runs, in a read transaction, before <see cref="SumEnergySegments"/>; null: nothing (and no transaction).</summary>
    public virtual string? BeforeSumEnergySegments => null;

    /// <summary>A list of (segment, from, to) ranges as a table with columns i, s, e (see <see cref="RangeList"/>).</summary>
    protected abstract string Ranges(string parameter);

    /// <summary>The value of a range-list parameter: (segment index, from, to) triples, milliseconds.</summary>
    public abstract object RangeList(IReadOnlyList<(int Segment, long From, long To)> ranges);

    /// <summary>
    /// Per device and segment, the sums of its whole UTC hours (@hours, from energy_hours) and of its
    /// partial hours (@slots, from energy_slots): each range is a range scan of a (device_id, time)
    /// primary key per device, and the database returns one row per (device, segment).
    /// </summary>
    public string SumEnergySegments => field ??=
        "SELECT device_id, i, " + RelationalSql.EnergySums + " FROM (" +
        "SELECT x.device_id, r.i, x.energy_wh, x.samples, x.power_sum_w, x.power_seconds, x.peak_power_w, x.covered_seconds, x.on_seconds " +
        "FROM (" + Ranges("hours") + ") r CROSS JOIN energy_hours x WHERE " + InList("x.device_id", "devices") +
        " AND x.organization_id = @org AND x.hour >= r.s AND x.hour < r.e UNION ALL " +
        "SELECT x.device_id, r.i, x.energy_wh, x.samples, x.power_sum_w, x.power_seconds, x.peak_power_w, x.covered_seconds, x.on_seconds " +
        "FROM (" + Ranges("slots") + ") r CROSS JOIN energy_slots x WHERE " + InList("x.device_id", "devices") +
        " AND x.organization_id = @org AND x.slot >= r.s AND x.slot < r.e)" + DerivedTableAlias + " GROUP BY device_id, i";
}
