namespace SmartApi.Storage.Postgres;

/// <summary>Every SQL statement of the PostgreSQL provider's data model, in one place.</summary>
internal static partial class Sql
{
    public const string InsertOrganization =
        "INSERT INTO organizations (id, name, created_at) VALUES (@Id, @Name, @CreatedAt)";
    public const string GetOrganization = "SELECT id, name, created_at FROM organizations WHERE id = @id";
    public const string ListOrganizations =
        "SELECT id, name, created_at FROM organizations WHERE id > @after ORDER BY id LIMIT @limit";

    private const string ApiKeyColumns =
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

    private const string DeviceColumns =
        "id, organization_id, serial, name, model, tags::text AS tags, power_on_state, mqtt_password_hash, online, last_seen_at, switch, " +
        "total_wh, latest_ts, latest_power_w, latest_voltage_v, latest_current_a, latest_temperature_c, created_at, updated_at";
    public const string InsertDevice =
        "INSERT INTO devices (id, organization_id, serial, name, model, tags, power_on_state, mqtt_password_hash, online, last_seen_at, switch, created_at, updated_at) " +
        "VALUES (@Id, @OrganizationId, @Serial, @Name, @Model, @Tags::jsonb, @PowerOnState, @MqttPasswordHash, @Online, @LastSeenAt, @Switch, @CreatedAt, @UpdatedAt)";
    public const string GetDevice = "SELECT " + DeviceColumns + " FROM devices WHERE organization_id = @org AND id = @id";
    public const string FindDeviceBySerial = "SELECT " + DeviceColumns + " FROM devices WHERE organization_id = @org AND serial = @serial";
    public const string ListDevices = "SELECT " + DeviceColumns + " FROM devices WHERE organization_id = @org AND id > @after";
    public const string OnlineFilter = " AND online = @online";
    public const string TagFilter = " AND tags @> jsonb_build_object(@tagKey::text, @tagValue::text)";
    public const string TagPresentFilter = " AND jsonb_exists(tags, @tagKey)";
    public const string OrderByIdLimit = " ORDER BY id LIMIT @limit";
    public const string UpdateDevice =
        "UPDATE devices SET name = @Name, model = @Model, tags = @Tags::jsonb, power_on_state = @PowerOnState, online = @Online, " +
        "last_seen_at = @LastSeenAt, switch = @Switch, updated_at = @UpdatedAt, sequence = sequence + 1 " +
        "WHERE organization_id = @OrganizationId AND id = @Id RETURNING sequence";
    public const string DeleteDevice = "DELETE FROM devices WHERE organization_id = @org AND id = @id";
    public const string DeleteDeviceMeasurements = "DELETE FROM measurements WHERE device_id = @id";

    // One round trip per event, as the event log's row stays locked from the first append of a unit
    // to its commit (the position comes from it: commit order). In order: the device's next sequence
    // (s, unless UpdateDevice reserved one), the position (p; its condition reads s first, so the
    // device row is always locked before the event log row), the event, and one delivery per
    // matching webhook (m, d: the outbox) with ids passed in from C#.
    private const string AppendEventHead =
        "WITH s AS (UPDATE devices SET sequence = sequence + 1 WHERE id = @device AND @reserved::bigint IS NULL RETURNING sequence), " +
        "q AS (SELECT COALESCE(@reserved::bigint, (SELECT sequence FROM s)) AS sequence), " +
        "p AS (UPDATE event_log SET position = position + 1 WHERE id = 1 AND (SELECT true FROM q) RETURNING position), " +
        "e AS (INSERT INTO events (position, id, organization_id, type, device_id, created_at, data) " +
        "SELECT p.position, @id, @org, @type, @device, @at, @head || COALESCE(',\"sequence\":' || q.sequence, '') || @tail FROM p, q " +
        "RETURNING position), ";
    private const string AppendEventTail =
        "d AS (INSERT INTO deliveries (id, organization_id, automation_id, webhook_id, event_id, event_position, event_type, device_id, ordering_key, status, next_attempt_at, created_at, updated_at) " +
        "SELECT (@deliveryIds)[m.n], @org, m.automation_id, m.id, @id, e.position, @type, @device, " +
        "CASE WHEN m.ordered THEN m.id || ':' || COALESCE(@device, '') END, 'pending', @at, @at, @at FROM m, e WHERE m.n <= cardinality(@deliveryIds)) " +
        "SELECT e.position, q.sequence, (SELECT count(*) FROM m) AS matched FROM e, q";
    private const string MatchingWebhooks =
        "m AS (SELECT w.id, w.automation_id, w.ordered, row_number() OVER (ORDER BY w.id) AS n FROM webhooks w " +
        "WHERE w.status = 'active' AND w.id IN (SELECT s.webhook_id FROM webhook_subscriptions s " +
        "WHERE s.organization_id = @org AND s.event_type IN (@type, '*') AND s.device_id IN (@deviceKey, '')) " +
        "AND EXISTS (SELECT 1 FROM automations a WHERE a.id = w.automation_id AND a.enabled))";
    private const string TargetedWebhooks =
        "m AS (SELECT w.id, w.automation_id, w.ordered, row_number() OVER (ORDER BY w.id) AS n FROM webhooks w " +
        "WHERE w.automation_id = @target AND w.organization_id = @org AND w.status = 'active')";
    public const string AppendEvent = AppendEventHead + MatchingWebhooks + ", " + AppendEventTail;
    public const string AppendTargetedEvent = AppendEventHead + TargetedWebhooks + ", " + AppendEventTail;
    // More matching webhooks than ids passed with the append (rare): the rest, in the same order.
    public const string QueueMoreDeliveries =
        "WITH " + MatchingWebhooks + " " +
        "INSERT INTO deliveries (id, organization_id, automation_id, webhook_id, event_id, event_position, event_type, device_id, ordering_key, status, next_attempt_at, created_at, updated_at) " +
        "SELECT (@deliveryIds)[m.n - @skip], @org, m.automation_id, m.id, @id, @position, @type, @device, " +
        "CASE WHEN m.ordered THEN m.id || ':' || COALESCE(@device, '') END, 'pending', @at, @at, @at FROM m WHERE m.n > @skip";
    public const string QueueMoreTargetedDeliveries =
        "WITH " + TargetedWebhooks + " " +
        "INSERT INTO deliveries (id, organization_id, automation_id, webhook_id, event_id, event_position, event_type, device_id, ordering_key, status, next_attempt_at, created_at, updated_at) " +
        "SELECT (@deliveryIds)[m.n - @skip], @org, m.automation_id, m.id, @id, @position, @type, @device, " +
        "CASE WHEN m.ordered THEN m.id || ':' || COALESCE(@device, '') END, 'pending', @at, @at, @at FROM m WHERE m.n > @skip";
    private const string EventColumns = "position, id, organization_id, type, device_id, created_at, data";
    public const string GetEvent = "SELECT " + EventColumns + " FROM events WHERE organization_id = @org AND id = @id";
    public const string EventPosition = "SELECT position FROM events WHERE organization_id = @org AND id = @id";
    public const string LatestEventId = "SELECT id FROM events WHERE organization_id = @org ORDER BY position DESC LIMIT 1";
    public const string ListEvents = "SELECT " + EventColumns + " FROM events WHERE organization_id = @org AND position > @after";
    public const string EventDeviceFilter = " AND device_id = @device";
    public const string EventTypeFilter = " AND type = ANY(@types)";
    public const string OrderByPositionLimit = " ORDER BY position LIMIT @limit";

    private const string CommandColumns =
        "id, organization_id, device_id, action, state, status, created_at, updated_at, expires_at, error, source, automation_id, depth";
    public const string InsertCommand =
        "INSERT INTO commands (" + CommandColumns + ") VALUES (@Id, @OrganizationId, @DeviceId, @Action, @State, @Status, @CreatedAt, @UpdatedAt, @ExpiresAt, @Error, @Source, @AutomationId, @Depth)";
    public const string GetCommand =
        "SELECT " + CommandColumns + " FROM commands WHERE organization_id = @org AND device_id = @device AND id = @id";
    public const string ListCommands =
        "SELECT " + CommandColumns + " FROM commands WHERE organization_id = @org AND device_id = @device AND id > @after ORDER BY id LIMIT @limit";

    public const string GetEnergyState =
        "SELECT organization_id, total_wh, last_counter_wh, latest_ts, latest_power_w, latest_voltage_v, latest_current_a, latest_temperature_c " +
        "FROM devices WHERE id = @id";
    // One statement per batch: the samples travel as arrays.
    public const string InsertMeasurements =
        "INSERT INTO measurements (device_id, ts, power_w, voltage_v, current_a, temperature_c, total_wh, delta_wh) " +
        "SELECT * FROM unnest(@devices, @ts, @power, @voltage, @current, @temperature, @total, @delta) ON CONFLICT (device_id, ts) DO NOTHING";
    public const string SetEnergyState =
        "UPDATE devices SET total_wh = @total, last_counter_wh = @counter, latest_ts = @ts, latest_power_w = @power, " +
        "latest_voltage_v = @voltage, latest_current_a = @current, latest_temperature_c = @temperature WHERE id = @id AND latest_ts IS NOT DISTINCT FROM @expected";
    public const string ListMeasurements =
        "SELECT ts, power_w, voltage_v, current_a, temperature_c, total_wh FROM measurements " +
        "WHERE device_id = @device AND ts >= @from AND ts < @to AND ts > @after ORDER BY ts LIMIT @limit";
    // Buckets aligned to the unix epoch, computed in SQL; the ts range lets the planner prune partitions.
    public const string AggregateMeasurements =
        "SELECT ts - ((ts % @bucket) + @bucket) % @bucket AS start, AVG(power_w) AS avg_power_w, MIN(power_w) AS min_power_w, " +
        "MAX(power_w) AS max_power_w, SUM(delta_wh) AS energy_wh, COUNT(*) AS samples FROM measurements " +
        "WHERE device_id = @device AND ts >= @from AND ts < @to GROUP BY 1 ORDER BY 1";
    public const string DeleteMeasurementsBefore = "DELETE FROM measurements WHERE ts < @before";
}
