namespace SmartApi.Storage.Relational;

/// <summary>
/// One organization's own retention (ADR 045), a batch at a time. Each statement reaches the
/// organization's rows through an index that starts with the organization (or its devices) and
/// bounds them by a key range that stands for the cut-off time, so an organization with nothing due
/// costs index probes, not a scan of its rows.
/// </summary>
internal abstract partial class RelationalSql
{
    // Delivery ids sort by creation (IdGenerator), so @cut (the lowest id at the cut-off) bounds the
    // range read on ix_deliveries_organization (organization_id, id).
    public const string PruneOrganizationDeliveries =
        "DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE organization_id = @org AND id < @cut " +
        "AND created_at < @before AND status <> 'pending' ORDER BY id LIMIT @limit)";

    // @cut is the first log position created at or after the cut-off (found by PositionAtOrAfter);
    // the range is read on ix_events_organization (organization_id, position).
    internal const string OrganizationOldEvents =
        "DELETE FROM events WHERE position IN (SELECT e.position FROM events e WHERE e.organization_id = @org AND e.position < @cut " +
        "AND e.created_at < @before ";

    // Run ids sort by creation too; read on ix_automations_organization and ix_automation_runs_automation.
    public const string PruneOrganizationRuns =
        "DELETE FROM automation_runs WHERE id IN (SELECT r.id FROM automations a JOIN automation_runs r ON r.automation_id = a.id " +
        "WHERE a.organization_id = @org AND r.id < @cut AND r.created_at < @before AND r.status <> 'pending' ORDER BY r.id LIMIT @limit)";

    // Per device on the primary key (device_id, ts).
    public const string PruneOrganizationMeasurements =
        "DELETE FROM measurements WHERE (device_id, ts) IN (SELECT m.device_id, m.ts FROM devices d JOIN measurements m ON m.device_id = d.id " +
        "WHERE d.organization_id = @org AND m.ts < @before LIMIT @limit)";
    public const string PruneOrganizationEnergySlots =
        "DELETE FROM energy_slots WHERE (device_id, slot) IN (SELECT s.device_id, s.slot FROM devices d JOIN energy_slots s ON s.device_id = d.id " +
        "WHERE d.organization_id = @org AND s.slot < @before LIMIT @limit)";
    public const string PruneOrganizationEnergyHours =
        "DELETE FROM energy_hours WHERE (device_id, hour) IN (SELECT h.device_id, h.hour FROM devices d JOIN energy_hours h ON h.device_id = d.id " +
        "WHERE d.organization_id = @org AND h.hour < @before LIMIT @limit)";

    // Probes of the log's primary key: the first event at or after a position, and the log's ends.
    public const string EventAtOrAfter = "SELECT position, created_at FROM events WHERE position >= @position ORDER BY position LIMIT 1";
    public const string EventPositionBounds = "SELECT COALESCE(MIN(position), 0) AS low, COALESCE(MAX(position), 0) AS high FROM events";
}
