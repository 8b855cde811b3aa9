namespace SmartApi.Storage.Relational;

internal abstract partial class RelationalSql
{
    // One keyset page of one device's samples (the primary key's order); the EXISTS keeps it inside the organization.
    public const string ExportMeasurementsPage =
        "SELECT ts, power_w, voltage_v, current_a, temperature_c, total_wh, delta_wh FROM measurements " +
        "WHERE device_id = @device AND ts >= @from AND ts < @to AND ts > @after " +
        "AND EXISTS (SELECT 1 FROM devices WHERE id = @device AND organization_id = @org) ORDER BY ts LIMIT @limit";
}
