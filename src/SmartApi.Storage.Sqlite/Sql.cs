namespace SmartApi.Storage.Sqlite;

/// <summary>Every SQL statement of the SQLite provider, in one place.</summary>
internal static partial class Sql
{
    // wal_autocheckpoint = 0: the writer never checkpoints in its own commits (that halved the
    // append rate); the Checkpointer does it beside it, on its own connection and thread.
    // journal_size_limit: a log that grew past 1 GB (a burst, readers holding it) is cut back when it next rewinds.
    public const string Pragmas =
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; " +
        "PRAGMA wal_autocheckpoint = 0; PRAGMA cache_size = -65536; PRAGMA journal_size_limit = 1073741824;";

    public const string PassiveCheckpoint = "PRAGMA wal_checkpoint(PASSIVE)";
    public const string TruncateCheckpoint = "PRAGMA wal_checkpoint(TRUNCATE)";

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
    public const string TouchApiKey =
        "UPDATE api_keys SET last_used_at = @at WHERE id = @id AND (last_used_at IS NULL OR last_used_at <= @at - @granularity)";

    private const string DeviceColumns =
        "id, organization_id, serial, name, model, tags, power_on_state, mqtt_password_hash, online, last_seen_at, switch, " +
        "total_wh, latest_ts, latest_power_w, latest_voltage_v, latest_current_a, latest_temperature_c, created_at, updated_at";
    public const string InsertDevice =
        "INSERT INTO devices (id, organization_id, serial, name, model, tags, power_on_state, mqtt_password_hash, online, last_seen_at, switch, created_at, updated_at) " +
        "VALUES (@Id, @OrganizationId, @Serial, @Name, @Model, @Tags, @PowerOnState, @MqttPasswordHash, @Online, @LastSeenAt, @Switch, @CreatedAt, @UpdatedAt)";
    public const string GetDevice = "SELECT " + DeviceColumns + " FROM devices WHERE organization_id = @org AND id = @id";
    public const string FindDeviceBySerial = "SELECT " + DeviceColumns + " FROM devices WHERE organization_id = @org AND serial = @serial";
    public const string ListDevices = "SELECT " + DeviceColumns + " FROM devices WHERE organization_id = @org AND id > @after";
    public const string OnlineFilter = " AND online = @online";
    // json_each compares the decoded key, so any key works; a JSON path cannot address keys holding
    // '"' or a backslash (SQLite has no escape inside a quoted path label).
    public const string TagFilter = " AND EXISTS (SELECT 1 FROM json_each(tags) WHERE key = @tagKey AND value = @tagValue)";
    public const string TagPresentFilter = " AND EXISTS (SELECT 1 FROM json_each(tags) WHERE key = @tagKey)";
    public const string OrderByIdLimit = " ORDER BY id LIMIT @limit";
    public const string UpdateDevice =
        "UPDATE devices SET name = @Name, model = @Model, tags = @Tags, power_on_state = @PowerOnState, online = @Online, " +
        "last_seen_at = @LastSeenAt, switch = @Switch, updated_at = @UpdatedAt, sequence = sequence + 1 " +
        "WHERE organization_id = @OrganizationId AND id = @Id RETURNING sequence";
    public const string DeleteDevice = "DELETE FROM devices WHERE organization_id = @org AND id = @id";
    public const string DeleteDeviceMeasurements = "DELETE FROM measurements WHERE device_id = @id";
    public const string NextDeviceSequence = "UPDATE devices SET sequence = sequence + 1 WHERE id = @id RETURNING sequence";

    public const string AppendEvent =
        "INSERT INTO events (id, organization_id, type, device_id, created_at, data) VALUES (@id, @org, @type, @device, @at, @data)";
    private const string EventColumns = "position, id, organization_id, type, device_id, created_at, data";
    public const string GetEvent = "SELECT " + EventColumns + " FROM events WHERE organization_id = @org AND id = @id";
    public const string EventPosition = "SELECT position FROM events WHERE organization_id = @org AND id = @id";
    public const string ListEvents = "SELECT " + EventColumns + " FROM events WHERE organization_id = @org AND position > @after";
    public const string EventDeviceFilter = " AND device_id = @device";
    // One statement for any set of types: the list travels as a JSON array.
    public const string EventTypeFilter = " AND type IN (SELECT value FROM json_each(@types))";
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
    public const string InsertMeasurement =
        "INSERT INTO measurements (device_id, ts, power_w, voltage_v, current_a, temperature_c, total_wh, delta_wh) " +
        "VALUES (@device, @ts, @power, @voltage, @current, @temperature, @total, @delta) ON CONFLICT (device_id, ts) DO NOTHING";
    public const string SetEnergyState =
        "UPDATE devices SET total_wh = @total, last_counter_wh = @counter, latest_ts = @ts, latest_power_w = @power, " +
        "latest_voltage_v = @voltage, latest_current_a = @current, latest_temperature_c = @temperature WHERE id = @id AND latest_ts IS @expected";
    public const string ListMeasurements =
        "SELECT ts, power_w, voltage_v, current_a, temperature_c, total_wh FROM measurements " +
        "WHERE device_id = @device AND ts >= @from AND ts < @to AND ts > @after ORDER BY ts LIMIT @limit";
    // Rows outside TelemetryLimits (only older versions stored them) stay out of every sum, so no
    // aggregate overflows or answers a value JSON cannot carry; NaN fails BETWEEN too.
    public const string Plausible = "power_w BETWEEN @minPower AND @maxPower AND delta_wh BETWEEN 0 AND @maxStep";
    public const string AggregateMeasurements =
        "SELECT (ts - ((ts % @bucket) + @bucket) % @bucket) AS start, AVG(power_w) AS avg_power_w, MIN(power_w) AS min_power_w, " +
        "MAX(power_w) AS max_power_w, SUM(delta_wh) AS energy_wh, COUNT(*) AS samples FROM measurements " +
        "WHERE device_id = @device AND ts >= @from AND ts < @to AND " + Plausible + " GROUP BY start ORDER BY start";
}
