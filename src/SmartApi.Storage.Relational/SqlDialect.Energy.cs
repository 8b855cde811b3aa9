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
}
