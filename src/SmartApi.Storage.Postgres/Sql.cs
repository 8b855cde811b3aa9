namespace SmartApi.Storage.Postgres;

/// <summary>Every SQL statement of the PostgreSQL provider's data model, in one place.</summary>
internal static partial class Sql
{
    public const string InsertOrganization =
        "INSERT INTO organizations (id, name, created_at) VALUES (@Id, @Name, @CreatedAt)";
    private const string OrganizationColumns =
        "id, name, created_at, limit_requests_per_second, limit_request_burst, limit_max_devices, limit_max_automations, " +
        "limit_max_webhooks, limit_device_messages_per_second";
    public const string GetOrganization = "SELECT " + OrganizationColumns + " FROM organizations WHERE id = @id";
    public const string ListOrganizations =
        "SELECT " + OrganizationColumns + " FROM organizations WHERE id > @after ORDER BY id LIMIT @limit";
    public const string RenameOrganization = "UPDATE organizations SET name = @name WHERE id = @id";
    public const string SetOrganizationLimits =
        "UPDATE organizations SET limit_requests_per_second = @rps, limit_request_burst = @burst, limit_max_devices = @devices, " +
        "limit_max_automations = @automations, limit_max_webhooks = @webhooks, limit_device_messages_per_second = @messages WHERE id = @id";
    public const string OrganizationUsage =
        "SELECT (SELECT count(*) FROM devices WHERE organization_id = @org) AS devices, " +
        "(SELECT count(*) FROM automations WHERE organization_id = @org) AS automations, " +
        "(SELECT count(*) FROM webhooks WHERE organization_id = @org AND status <> 'removed') AS webhooks";

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

    // A batch's appends (BatchConnection.FlushAsync), routed in C# (EventRouter), are written by one
    // statement. In order: the device rows, locked in id order (l) and moved
    // on by their events without a reserved sequence (s); each event's sequence (q: a reserved one,
    // or the next ones in append order); the positions (p: the event log row, locked after the
    // device rows as in every write, and held to the commit: that is the gap-free cursor); the
    // events; their deliveries (the outbox; leased to this node's engine when it takes them, see
    // IDeliveryLeaseSource) and runs, with ids made in C#. Each step's condition reads the step
    // before, which is what orders data-modifying CTEs. It returns the events whose deliveries were
    // leased and, read in the same statement (so current: the engine reads failing_since), their webhooks,
    // which the engine gets with them.
    public const string WriteAppends =
        "WITH i AS (SELECT * FROM unnest(@events::text[], @orgs::text[], @types::text[], @devices::text[], @ats::bigint[], @heads::text[], @tails::text[], @reserved::bigint[]) " +
        "WITH ORDINALITY AS i(id, org, type, device, at, head, tail, reserved, n)), " +
        "c AS (SELECT device, count(*) AS k FROM i WHERE device IS NOT NULL AND reserved IS NULL GROUP BY device), " +
        "l AS (SELECT id FROM devices WHERE id IN (SELECT device FROM c) ORDER BY id FOR UPDATE), " +
        "s AS (UPDATE devices d SET sequence = d.sequence + c.k FROM c WHERE d.id = c.device AND (SELECT count(*) FROM l) >= 0 RETURNING d.id, d.sequence - c.k AS base), " +
        "q AS (SELECT i.n, COALESCE(i.reserved, s.base + row_number() OVER (PARTITION BY i.device, i.reserved IS NULL ORDER BY i.n)) AS sequence " +
        "FROM i LEFT JOIN s ON s.id = i.device), " +
        "p AS (UPDATE event_log SET position = position + (SELECT count(*) FROM i) WHERE id = 1 AND (SELECT count(*) FROM q) >= 0 " +
        "RETURNING position - (SELECT count(*) FROM i) AS base), " +
        "e AS (INSERT INTO events (position, id, organization_id, type, device_id, created_at, data) " +
        "SELECT p.base + i.n, i.id, i.org, i.type, i.device, i.at, i.head || COALESCE(',\"sequence\":' || q.sequence, '') || i.tail " +
        "FROM i JOIN q ON q.n = i.n CROSS JOIN p RETURNING id, position, data), " +
        "d AS (INSERT INTO deliveries (id, organization_id, automation_id, webhook_id, event_id, event_position, event_type, device_id, ordering_key, status, " +
        "next_attempt_at, lease_owner, lease_expires_at, created_at, updated_at) " +
        "SELECT x.id, i.org, x.automation_id, x.webhook_id, i.id, p.base + i.n, i.type, i.device, " +
        "CASE WHEN x.ordered THEN x.webhook_id || ':' || COALESCE(i.device, '') END, 'pending', i.at, x.lease_owner, x.lease_until, i.at, i.at " +
        "FROM unnest(@deliveryIds::text[], @deliveryEvents::bigint[], @deliveryWebhooks::text[], @deliveryAutomations::text[], @deliveryOrdered::boolean[], " +
        "@deliveryLeaseOwners::text[], @deliveryLeaseUntil::bigint[]) AS x(id, n, webhook_id, automation_id, ordered, lease_owner, lease_until) " +
        "JOIN i ON i.n = x.n CROSS JOIN p), " +
        "r AS (INSERT INTO automation_runs (id, organization_id, automation_id, status, trigger_type, event_id, trigger_json, triggered_at, created_at) " +
        "SELECT y.id, i.org, y.automation_id, 'pending', 'event', i.id, '{}', i.at, i.at " +
        "FROM unnest(@runIds::text[], @runEvents::bigint[], @runAutomations::text[]) AS y(id, n, automation_id) JOIN i ON i.n = y.n) " +
        "SELECT e.id AS event_id, e.position, e.data, NULL AS id, NULL AS organization_id, NULL AS automation_id, NULL::bigint AS action_index, " +
        "NULL AS url, NULL AS headers_json, NULL::boolean AS ordered, NULL::boolean AS standard_webhooks, NULL AS status, NULL AS disabled_reason, " +
        "NULL::bigint AS failing_since, NULL::bigint AS created_at FROM e WHERE e.id = ANY(@leasedEvents::text[]) " +
        "UNION ALL SELECT NULL, NULL::bigint, NULL, w.id, w.organization_id, w.automation_id, w.action_index, w.url, w.headers, " +
        "w.ordered, w.standard_webhooks, w.status, w.disabled_reason, w.failing_since, w.created_at FROM webhooks w WHERE w.id = ANY(@leasedWebhooks::text[])";
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
    // Rows outside TelemetryLimits (only older versions stored them) stay out of every sum, so no
    // aggregate overflows or answers a value JSON cannot carry; NaN fails BETWEEN too.
    public const string Plausible = "power_w BETWEEN @minPower AND @maxPower AND delta_wh BETWEEN 0 AND @maxStep";
    // Buckets aligned to the unix epoch, computed in SQL; the ts range lets the planner prune partitions.
    public const string AggregateMeasurements =
        "SELECT ts - ((ts % @bucket) + @bucket) % @bucket AS start, AVG(power_w) AS avg_power_w, MIN(power_w) AS min_power_w, " +
        "MAX(power_w) AS max_power_w, SUM(delta_wh) AS energy_wh, COUNT(*) AS samples FROM measurements " +
        "WHERE device_id = @device AND ts >= @from AND ts < @to AND " + Plausible + " GROUP BY 1 ORDER BY 1";
    public const string DeleteMeasurementsBefore = "DELETE FROM measurements WHERE ts < @before";
}
