namespace SmartApi.Storage.Sqlite;

/// <summary>Every SQL statement of the SQLite provider, in one place.</summary>
internal abstract partial class Sql : RelationalSql
{
    // wal_autocheckpoint = 0: the writer never checkpoints in its own commits (that halved the
    // append rate); the Checkpointer does it beside it, on its own connection and thread.
    // journal_size_limit: a log that grew past 1 GB (a burst, readers holding it) is cut back when it next rewinds.
    public const string Pragmas =
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; " +
        "PRAGMA wal_autocheckpoint = 0; PRAGMA cache_size = -65536; PRAGMA journal_size_limit = 1073741824;";

    public const string PassiveCheckpoint = "PRAGMA wal_checkpoint(PASSIVE)";
    public const string TruncateCheckpoint = "PRAGMA wal_checkpoint(TRUNCATE)";

    private const string DeviceColumns =
        "id, organization_id, serial, name, model, tags, power_on_state, mqtt_password_hash, online, last_seen_at, switch, " +
        "total_wh, latest_ts, latest_power_w, latest_voltage_v, latest_current_a, latest_temperature_c, created_at, updated_at";
    public const string InsertDevice =
        "INSERT INTO devices (id, organization_id, serial, name, model, tags, power_on_state, mqtt_password_hash, online, last_seen_at, switch, created_at, updated_at) " +
        "VALUES (@Id, @OrganizationId, @Serial, @Name, @Model, @Tags, @PowerOnState, @MqttPasswordHash, @Online, @LastSeenAt, @Switch, @CreatedAt, @UpdatedAt)";
    public const string GetDevice = "SELECT " + DeviceColumns + " FROM devices WHERE organization_id = @org AND id = @id";
    public const string FindDeviceBySerial = "SELECT " + DeviceColumns + " FROM devices WHERE organization_id = @org AND serial = @serial";
    public const string ListDevices = "SELECT " + DeviceColumns + " FROM devices WHERE organization_id = @org AND id > @after";
    // json_each compares the decoded key, so any key works; a JSON path cannot address keys holding
    // '"' or a backslash (SQLite has no escape inside a quoted path label).
    public const string TagFilter = " AND EXISTS (SELECT 1 FROM json_each(tags) WHERE key = @tagKey AND value = @tagValue)";
    public const string TagPresentFilter = " AND EXISTS (SELECT 1 FROM json_each(tags) WHERE key = @tagKey)";
    public const string UpdateDevice =
        "UPDATE devices SET name = @Name, model = @Model, tags = @Tags, power_on_state = @PowerOnState, online = @Online, " +
        "last_seen_at = @LastSeenAt, switch = @Switch, updated_at = @UpdatedAt, sequence = sequence + 1 " +
        "WHERE organization_id = @OrganizationId AND id = @Id RETURNING sequence";
    public const string NextDeviceSequence = "UPDATE devices SET sequence = sequence + 1 WHERE id = @id RETURNING sequence";

    public const string AppendEvent =
        "INSERT INTO events (id, organization_id, type, device_id, created_at, data) VALUES (@id, @org, @type, @device, @at, @data)";
    // One statement for any set of types: the list travels as a JSON array.
    public const string EventTypeFilter = " AND type IN (SELECT value FROM json_each(@types))";

    public const string InsertMeasurement =
        "INSERT INTO measurements (device_id, ts, power_w, voltage_v, current_a, temperature_c, total_wh, delta_wh) " +
        "VALUES (@device, @ts, @power, @voltage, @current, @temperature, @total, @delta) ON CONFLICT (device_id, ts) DO NOTHING";
    public const string SetEnergyState =
        "UPDATE devices SET total_wh = @total, last_counter_wh = @counter, latest_ts = @ts, latest_power_w = @power, " +
        "latest_voltage_v = @voltage, latest_current_a = @current, latest_temperature_c = @temperature WHERE id = @id AND latest_ts IS @expected";
    public const string AggregateMeasurements =
        "SELECT (ts - ((ts % @bucket) + @bucket) % @bucket) AS start, AVG(power_w) AS avg_power_w, MIN(power_w) AS min_power_w, " +
        "MAX(power_w) AS max_power_w, SUM(delta_wh) AS energy_wh, COUNT(*) AS samples FROM measurements " +
        "WHERE device_id = @device AND ts >= @from AND ts < @to AND " + Plausible + " GROUP BY start ORDER BY start";
}
