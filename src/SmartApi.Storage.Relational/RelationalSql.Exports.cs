namespace SmartApi.Storage.Relational;

internal abstract partial class RelationalSql
{
    // One keyset page of one device's samples (the primary key's order); the EXISTS keeps it inside the organization.
    // @from is the page's lower bound, the range's start or just after the previous page's last row: one bound, because
    // SQLite seeks the key on one of two lower bounds (ts >= @from AND ts > @after) and filtered the other row by row,
    // so every page scanned again all rows of the pages before it (a device-year read 5x slower than one pass).
    public const string ExportMeasurementsPage =
        "SELECT ts, power_w, voltage_v, current_a, temperature_c, total_wh, delta_wh FROM measurements " +
        "WHERE device_id = @device AND ts >= @from AND ts < @to " +
        "AND EXISTS (SELECT 1 FROM devices WHERE id = @device AND organization_id = @org) ORDER BY ts LIMIT @limit";
}
