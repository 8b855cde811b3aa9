namespace SmartApi.Storage.Relational;

internal abstract partial class SqlDialect
{
    // One join from the organization's selected devices into measurements by its (device_id, ts) key;
    // @width is 15 minutes for slots, or the whole range for one row per device (@from is on the grid).
    private const string SumEnergyHead =
        "SELECT m.device_id, @from + ((m.ts - @from) / @width) * @width AS start, SUM(m.delta_wh) AS energy_wh " +
        "FROM devices d JOIN measurements m ON m.device_id = d.id AND m.ts >= @from AND m.ts < @to " +
        "WHERE d.organization_id = @org AND " + RelationalSql.Plausible;
    private const string SumEnergyTail = " GROUP BY 1, 2 ORDER BY 1, 2";

    public string SumEnergyOfOrganization => field ??= SumEnergyHead + SumEnergyTail;
    public string SumEnergyOfDevices => field ??= SumEnergyHead + " AND " + InList("d.id", "devices") + SumEnergyTail;
    public string SumEnergyOfTag => field ??= SumEnergyHead + TagFilter + SumEnergyTail;
}
