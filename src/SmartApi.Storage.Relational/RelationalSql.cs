namespace SmartApi.Storage.Relational;

/// <summary>
/// Every SQL statement whose text is the same on SQLite and PostgreSQL, written once. Each provider's
/// <c>Sql</c> class derives from this one and adds only the statements whose text differs.
/// </summary>
internal abstract partial class RelationalSql
{
    public const string InsertOrganization =
        "INSERT INTO organizations (id, name, created_at, time_zone) VALUES (@Id, @Name, @CreatedAt, @TimeZone)";
    protected const string OrganizationColumns =
        "id, name, created_at, limit_requests_per_second, limit_request_burst, limit_max_devices, limit_max_automations, " +
        "limit_max_webhooks, limit_device_messages_per_second, time_zone, " + RetentionColumns;
    public const string GetOrganization = "SELECT " + OrganizationColumns + " FROM organizations WHERE id = @id";
    public const string ListOrganizations =
        "SELECT " + OrganizationColumns + " FROM organizations WHERE id > @after ORDER BY id LIMIT @limit";
    public const string RenameOrganization = "UPDATE organizations SET name = @name WHERE id = @id";
    public const string SetOrganizationTimeZone = "UPDATE organizations SET time_zone = @timeZone WHERE id = @id";
    public const string SetOrganizationLimits =
        "UPDATE organizations SET limit_requests_per_second = @rps, limit_request_burst = @burst, limit_max_devices = @devices, " +
        "limit_max_automations = @automations, limit_max_webhooks = @webhooks, limit_device_messages_per_second = @messages WHERE id = @id";
    private const string RetentionColumns =
        "retention_events_days, retention_deliveries_days, retention_measurements_days, retention_rollups_days";
    public const string SetOrganizationRetention =
        "UPDATE organizations SET retention_events_days = @events, retention_deliveries_days = @deliveries, " +
        "retention_measurements_days = @measurements, retention_rollups_days = @rollups WHERE id = @id";
    // The organizations table is small; most rows have no retention of their own.
    public const string ListOrganizationRetentions =
        "SELECT id, " + RetentionColumns + " FROM organizations WHERE retention_events_days IS NOT NULL OR retention_deliveries_days IS NOT NULL " +
        "OR retention_measurements_days IS NOT NULL OR retention_rollups_days IS NOT NULL ORDER BY id";
    public const string OrganizationUsage =
        "SELECT (SELECT count(*) FROM devices WHERE organization_id = @org) AS devices, " +
        "(SELECT count(*) FROM automations WHERE organization_id = @org) AS automations, " +
        "(SELECT count(*) FROM webhooks WHERE organization_id = @org AND status <> 'removed') AS webhooks";
    protected const string ApiKeyColumns =
        "id, organization_id, name, prefix, hash, scopes, created_at, last_used_at, revoked_at";
    public const string InsertApiKey =
        "INSERT INTO api_keys (" + ApiKeyColumns + ") VALUES (@Id, @OrganizationId, @Name, @Prefix, @Hash, @Scopes, @CreatedAt, NULL, NULL)";
    public const string AnyApiKey = "SELECT EXISTS (SELECT 1 FROM api_keys)";
    public const string FindApiKeyByHash = "SELECT " + ApiKeyColumns + " FROM api_keys WHERE hash = @hash";
    public const string GetApiKey = "SELECT " + ApiKeyColumns + " FROM api_keys WHERE organization_id = @org AND id = @id";
    public const string ListApiKeys =
        "SELECT " + ApiKeyColumns + " FROM api_keys WHERE organization_id = @org AND id > @after ORDER BY id LIMIT @limit";
    public const string RevokeApiKey =
        "UPDATE api_keys SET revoked_at = @at WHERE organization_id = @org AND id = @id AND revoked_at IS NULL";
    // Whichever node flushes first moves the value; the others' flushes within the granularity
    // match no row, so nodes need not coordinate.
    public const string TouchApiKey =
        "UPDATE api_keys SET last_used_at = @at WHERE id = @id AND (last_used_at IS NULL OR last_used_at <= @at - @granularity)";
    public const string OnlineFilter = " AND online = @online";
    // Answered from ix_devices_organization (organization_id, id) alone when unfiltered; with a filter, from the organization's rows only.
    public const string CountDevices = "SELECT COUNT(*) FROM devices WHERE organization_id = @org";
    public const string OrderByIdLimit = " ORDER BY id LIMIT @limit";
    public const string DeleteDevice = "DELETE FROM devices WHERE organization_id = @org AND id = @id";
    public const string DeleteDeviceMeasurements = "DELETE FROM measurements WHERE device_id = @id";
    protected const string EventColumns = "position, id, organization_id, type, device_id, created_at, data, erased_at, trace_parent";
    public const string GetEvent = "SELECT " + EventColumns + " FROM events WHERE organization_id = @org AND id = @id";
    public const string LatestEventId = "SELECT id FROM events WHERE organization_id = @org ORDER BY position DESC LIMIT 1";
    public const string EventPosition = "SELECT position FROM events WHERE organization_id = @org AND id = @id";
    public const string ListEvents = "SELECT " + EventColumns + " FROM events WHERE organization_id = @org AND position > @after";
    public const string EventDeviceFilter = " AND device_id = @device";
    public const string OrderByPositionLimit = " ORDER BY position LIMIT @limit";
    /// <summary>Newest first: a backward scan of the same (organization_id, position) indexes.</summary>
    public const string ListEventsBefore = "SELECT " + EventColumns + " FROM events WHERE organization_id = @org AND position < @after";
    public const string OrderByPositionDescLimit = " ORDER BY position DESC LIMIT @limit";
    internal const string CommandColumns =
        "id, organization_id, device_id, action, state, status, created_at, updated_at, expires_at, error, source, automation_id, depth, batch_id";
    public const string InsertCommand =
        "INSERT INTO commands (" + CommandColumns + ") VALUES (@Id, @OrganizationId, @DeviceId, @Action, @State, @Status, @CreatedAt, @UpdatedAt, @ExpiresAt, @Error, @Source, @AutomationId, @Depth, @BatchId)";
    public const string GetCommand =
        "SELECT " + CommandColumns + " FROM commands WHERE organization_id = @org AND device_id = @device AND id = @id";
    public const string ListCommands =
        "SELECT " + CommandColumns + " FROM commands WHERE organization_id = @org AND device_id = @device AND id > @after ORDER BY id LIMIT @limit";
    public const string GetEnergyState =
        "SELECT organization_id, total_wh, last_counter_wh, latest_ts, latest_power_w, latest_voltage_v, latest_current_a, latest_temperature_c, " +
        "switch, previous_switch, switch_changed_at " +
        "FROM devices WHERE id = @id";
    // One lower bound (the later of the range's start and the cursor, computed by the caller): with a
    // second one SQLite seeks on the first and filters the other row by row, so each page re-read the
    // pages before it.
    public const string ListMeasurements =
        "SELECT ts, power_w, voltage_v, current_a, temperature_c, total_wh FROM measurements " +
        "WHERE device_id = @device AND ts >= @from AND ts < @to ORDER BY ts LIMIT @limit";
    // Rows outside TelemetryLimits (only older versions stored them) stay out of every sum, so no
    // aggregate overflows or answers a value JSON cannot carry; NaN fails BETWEEN too.
    public const string Plausible = "power_w BETWEEN @minPower AND @maxPower AND delta_wh BETWEEN 0 AND @maxStep";

    // Heads and bodies of statements whose ending differs by database (row locking, what they return).
    protected const string LeaseClaimableDeliveries =
        "UPDATE deliveries SET lease_owner = @owner, lease_expires_at = @leaseUntil WHERE id IN (" +
        "SELECT d.id FROM deliveries d WHERE d.status = 'pending' AND d.next_attempt_at <= @now " +
        "AND (d.lease_expires_at IS NULL OR d.lease_expires_at <= @now) " +
        "AND (d.ordering_key IS NULL OR NOT EXISTS (SELECT 1 FROM deliveries p WHERE p.ordering_key = d.ordering_key " +
        "AND p.status = 'pending' AND p.event_position < d.event_position)) ";
    protected const string InsertDeliveriesInto =
        "INSERT INTO deliveries (id, organization_id, automation_id, webhook_id, event_id, event_position, event_type, device_id, ordering_key, status, next_attempt_at, created_at, updated_at) ";
    internal const string OldEvents = "DELETE FROM events WHERE position IN (SELECT e.position FROM events e WHERE e.created_at < @before ";
    internal const string OldEventsUndelivered =
        "AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id AND d.status = 'pending') ORDER BY e.position LIMIT @limit)";
    internal const string LeasePendingRuns =
        "UPDATE automation_runs SET lease_owner = @owner, lease_expires_at = @leaseUntil WHERE id IN (" +
        "SELECT id FROM automation_runs WHERE status = 'pending' AND (lease_expires_at IS NULL OR lease_expires_at <= @now) " +
        "ORDER BY created_at, id LIMIT @limit";
    internal const string OldRuns =
        "DELETE FROM automation_runs WHERE id IN (SELECT id FROM automation_runs WHERE created_at < @before AND status <> 'pending' ORDER BY created_at LIMIT @limit";
    protected const string InsertMeasurementsInto =
        "INSERT INTO measurements (device_id, ts, power_w, voltage_v, current_a, temperature_c, total_wh, delta_wh) ";
}
