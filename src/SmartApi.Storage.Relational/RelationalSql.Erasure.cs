namespace SmartApi.Storage.Relational;

/// <summary>Erasure of a device's data, a batch at a time (ADR 042).</summary>
internal abstract partial class RelationalSql
{
    // Each bounded by the table's primary key, so a batch touches at most @limit rows of each.
    public const string EraseMeasurements =
        "DELETE FROM measurements WHERE device_id = @device AND ts IN " +
        "(SELECT ts FROM measurements WHERE device_id = @device ORDER BY ts LIMIT @limit)";
    public const string EraseEnergySlots =
        "DELETE FROM energy_slots WHERE device_id = @device AND slot IN " +
        "(SELECT slot FROM energy_slots WHERE device_id = @device ORDER BY slot LIMIT @limit)";
    public const string EraseEnergyHours =
        "DELETE FROM energy_hours WHERE device_id = @device AND hour IN " +
        "(SELECT hour FROM energy_hours WHERE device_id = @device ORDER BY hour LIMIT @limit)";

    // The batch is a range of the device's log positions, found on (organization_id, device_id, position).
    public const string NextErasedPositions =
        "SELECT position FROM events WHERE organization_id = @org AND device_id = @device AND position > @after " +
        "ORDER BY position LIMIT @limit";
    private const string ErasedEventIds =
        "SELECT id FROM events WHERE organization_id = @org AND device_id = @device AND position > @after AND position <= @last " +
        "AND type <> 'device.erased'";
    public const string EraseAttempts =
        "UPDATE delivery_attempts SET response_body = NULL WHERE response_body IS NOT NULL AND delivery_id IN " +
        "(SELECT id FROM deliveries WHERE event_id IN (" + ErasedEventIds + "))";
    // A pending delivery of an erased event is never sent: its body would be the blanked event. It
    // ends failed with the reason, and no retry takes it up again (the retries skip erased rows).
    public const string FailErasedDeliveries =
        "UPDATE deliveries SET status = 'failed', last_error = @reason, lease_owner = NULL, lease_expires_at = NULL, updated_at = @at " +
        "WHERE status = 'pending' AND event_id IN (" + ErasedEventIds + ")";
    public const string EraseDeliveries =
        "UPDATE deliveries SET erased_at = @at WHERE erased_at IS NULL AND event_id IN (" + ErasedEventIds + ")";
    public const string EraseEvents =
        "UPDATE events SET data = '{}', erased_at = @at WHERE organization_id = @org AND device_id = @device " +
        "AND position > @after AND position <= @last AND type <> 'device.erased' AND erased_at IS NULL";

    public const string InsertDeviceErasure =
        "INSERT INTO device_erasures (id, organization_id, device_id, api_key_id, erased_at, measurements_deleted, events_erased, deliveries_erased) " +
        "VALUES (@Id, @OrganizationId, @DeviceId, @ApiKeyId, @ErasedAt, @MeasurementsDeleted, @EventsErased, @DeliveriesErased)";
}
