namespace SmartApi.Storage.Relational;

internal abstract partial class SqlDialect
{
    /// <summary>Several devices' slots: one range scan of the (device_id, slot) primary key per device in the list.</summary>
    public string ListEnergySlotsOfDevices => field ??=
        "SELECT " + RelationalSql.EnergySlotColumns + " FROM energy_slots WHERE " + InList("device_id", "devices") +
        " AND organization_id = @org AND slot >= @from AND slot < @to ORDER BY device_id, slot";
}
