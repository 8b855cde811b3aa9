using System.Data.Common;

namespace SmartApi.Storage.Relational;

/// <summary>
/// Where SQLite and PostgreSQL write the same statement differently. A provider supplies the
/// fragments (booleans, id lists, row locking, JSON columns, the tag filters, unique violations);
/// the statements built from them are composed here, once, so their shape lives in one place.
/// Each statement is built on first use and kept, so a hot path pays a field read.
/// </summary>
internal abstract partial class SqlDialect
{
    /// <summary>The condition that a boolean column is true (<c>x = 1</c> on SQLite, <c>x</c> on PostgreSQL).</summary>
    protected abstract string IsTrue(string column);

    /// <summary>The condition that a column is one of the ids in the list parameter (see <see cref="IdList"/>).</summary>
    protected abstract string InList(string column, string parameter);

    /// <summary>What follows a claim's inner SELECT so concurrent claimers take disjoint rows (nothing where one writer claims).</summary>
    protected abstract string SkipLocked { get; }

    /// <summary>What follows a read of rows a unit goes on to rely on, so a concurrent delete of them waits for the unit's commit (nothing where one writer writes).</summary>
    protected abstract string KeyShareLock { get; }

    /// <summary>A JSON column read as text.</summary>
    protected abstract string JsonColumn(string column);

    /// <summary>A parameter written to a JSON column.</summary>
    protected abstract string JsonParameter(string parameter);

    /// <summary>Equality that holds for two nulls.</summary>
    protected abstract string NullSafeEquals { get; }

    /// <summary>The alias a derived table needs (PostgreSQL requires one).</summary>
    protected abstract string DerivedTableAlias { get; }

    /// <summary>The value of an id-list parameter (a JSON array on SQLite, an array on PostgreSQL).</summary>
    public abstract object IdList(IReadOnlyCollection<string> ids);

    /// <summary>Whether an exception is a unique-constraint violation (mapped to <see cref="DuplicateKeyException"/>).</summary>
    public abstract bool IsUniqueViolation(DbException exception);

    public abstract string TagFilter { get; }
    public abstract string TagPresentFilter { get; }

    /// <summary>The bucket start column of <see cref="AggregateMeasurements"/>, and what it is grouped and ordered by.</summary>
    protected abstract (string Column, string Key) MeasurementBucket { get; }

    private string DeviceColumns => field ??=
        "id, organization_id, serial, name, model, " + JsonColumn("tags") + ", power_on_state, mqtt_password_hash, online, last_seen_at, switch, " +
        "total_wh, latest_ts, latest_power_w, latest_voltage_v, latest_current_a, latest_temperature_c, created_at, updated_at";

    public string InsertDevice => field ??=
        "INSERT INTO devices (id, organization_id, serial, name, model, tags, power_on_state, mqtt_password_hash, online, last_seen_at, switch, created_at, updated_at) " +
        "VALUES (@Id, @OrganizationId, @Serial, @Name, @Model, " + JsonParameter("@Tags") + ", @PowerOnState, @MqttPasswordHash, @Online, @LastSeenAt, @Switch, @CreatedAt, @UpdatedAt)";
    public string GetDevice => field ??= "SELECT " + DeviceColumns + " FROM devices WHERE organization_id = @org AND id = @id";
    public string GetDevices => field ??= "SELECT " + DeviceColumns + " FROM devices WHERE organization_id = @org AND " + InList("id", "ids") + " ORDER BY id";
    public string FindDeviceBySerial => field ??= "SELECT " + DeviceColumns + " FROM devices WHERE organization_id = @org AND serial = @serial";
    public string FindDevicesBySerial => field ??= "SELECT " + DeviceColumns + " FROM devices WHERE serial = @serial ORDER BY id";
    public string ListDevices => field ??= "SELECT " + DeviceColumns + " FROM devices WHERE organization_id = @org AND id > @after";
    public string ListOnlineDevices => field ??= "SELECT id, organization_id FROM devices WHERE " + IsTrue("online") + " ORDER BY id";
    public string UpdateDevice => field ??=
        "UPDATE devices SET name = @Name, model = @Model, tags = " + JsonParameter("@Tags") + ", power_on_state = @PowerOnState, online = @Online, " +
        "last_seen_at = @LastSeenAt, switch = @Switch, " +
        // A change of switch records its time and the state it left (SET reads the row as it was): on-time splits there (ADR 033).
        "switch_changed_at = CASE WHEN switch = @Switch THEN switch_changed_at ELSE @UpdatedAt END, " +
        "previous_switch = CASE WHEN switch = @Switch THEN previous_switch ELSE switch END, " +
        "updated_at = @UpdatedAt, sequence = sequence + 1 " +
        "WHERE organization_id = @OrganizationId AND id = @Id RETURNING sequence";
    // What a device reports owns only these columns: a settings edit committed since the report's read keeps its name and tags.
    public string UpdateDeviceSwitch => field ??=
        "UPDATE devices SET switch = @Switch, " +
        "switch_changed_at = CASE WHEN switch = @Switch THEN switch_changed_at ELSE @UpdatedAt END, " +
        "previous_switch = CASE WHEN switch = @Switch THEN previous_switch ELSE switch END, " +
        "last_seen_at = @LastSeenAt, updated_at = @UpdatedAt, sequence = sequence + 1 " +
        "WHERE organization_id = @OrganizationId AND id = @Id RETURNING sequence";
    // updated_at moves only when online changes: a reconnect within the grace period is not a change of the device.
    public string UpdateDevicePresence => field ??=
        "UPDATE devices SET online = @Online, last_seen_at = @LastSeenAt, " +
        "updated_at = CASE WHEN online = @Online THEN updated_at ELSE @UpdatedAt END, sequence = sequence + 1 " +
        "WHERE organization_id = @OrganizationId AND id = @Id RETURNING sequence";
    // A disconnect's write decides on the row itself, not on the caller's read: a reconnect committed since
    // (on another node) moved last_seen_at past the disconnect, or another unit already wrote offline.
    public string MarkDeviceOffline => field ??=
        "UPDATE devices SET online = @Online, last_seen_at = @LastSeenAt, updated_at = @UpdatedAt, sequence = sequence + 1 " +
        "WHERE organization_id = @OrganizationId AND id = @Id AND " + IsTrue("online") + " AND (last_seen_at IS NULL OR last_seen_at <= @LastSeenAt) RETURNING sequence";
    public string UpdateDeviceSettings => field ??=
        "UPDATE devices SET name = @Name, tags = " + JsonParameter("@Tags") + ", power_on_state = @PowerOnState, updated_at = @UpdatedAt, sequence = sequence + 1 " +
        "WHERE organization_id = @OrganizationId AND id = @Id RETURNING sequence";
    public string SetEnergyState => field ??=
        "UPDATE devices SET total_wh = @total, last_counter_wh = @counter, latest_ts = @ts, latest_power_w = @power, " +
        "latest_voltage_v = @voltage, latest_current_a = @current, latest_temperature_c = @temperature WHERE id = @id AND latest_ts " + NullSafeEquals + " @expected " +
        "AND switch_changed_at " + NullSafeEquals + " @switchChangedAt";

    // One statement for any set of types: the list travels as one parameter.
    public string EventTypeFilter => field ??= " AND " + InList("type", "types");

    public string ListWebhooksOfAutomations => field ??=
        "SELECT " + RelationalSql.WebhookColumns + " FROM webhooks WHERE " + InList("automation_id", "ids") + " ORDER BY automation_id, action_index";

    public string ListRuleAutomations => field ??=
        "SELECT a.id, a.organization_id, a.name, a.enabled, a.definition AS definition_json, a.created_at, a.updated_at " +
        "FROM automation_rules r JOIN automations a ON a.id = r.automation_id WHERE r.kind = @kind AND " + IsTrue("a.enabled") + " ORDER BY a.id";
    public string ListDueSchedules => field ??=
        "SELECT r.automation_id, r.organization_id, r.kind, r.next_fire_at, r.last_run_at FROM automation_rules r " +
        "JOIN automations a ON a.id = r.automation_id WHERE r.next_fire_at IS NOT NULL AND r.next_fire_at <= @now AND " + IsTrue("a.enabled") + " " +
        "ORDER BY r.next_fire_at LIMIT @limit";

    // The subquery picks the oldest claimable commands through the partial pending index; any
    // number of devices is one statement.
    private const string ClaimCommandsHead =
        "UPDATE commands SET lease_owner = @owner, lease_until = @until WHERE id IN (SELECT id FROM commands " +
        "WHERE status = 'pending' AND expires_at > @now AND (lease_until IS NULL OR lease_until <= @now) AND ";
    private string ClaimCommandsTail => field ??= " ORDER BY id LIMIT @limit" + SkipLocked + ") RETURNING " + RelationalSql.CommandColumns;
    public string ClaimCommandsOfDevices => field ??= ClaimCommandsHead + InList("device_id", "devices") + ClaimCommandsTail;
    public string ClaimCommandsOfOnlineDevices => field ??=
        ClaimCommandsHead + "device_id IN (SELECT id FROM devices WHERE " + IsTrue("online") + ")" + ClaimCommandsTail;
    public string ExpireCommands => field ??=
        "UPDATE commands SET status = 'expired', updated_at = @now, lease_owner = NULL, lease_until = NULL, " +
        "error = CASE status WHEN 'delivered' THEN 'not_acknowledged' ELSE 'not_delivered' END " +
        "WHERE id IN (SELECT id FROM commands WHERE status IN ('pending', 'delivered') AND expires_at <= @now ORDER BY expires_at LIMIT @limit" + SkipLocked + ") " +
        "RETURNING " + RelationalSql.CommandColumns;

    // Buckets aligned to the unix epoch, computed in SQL; the ts range lets the planner prune partitions.
    public string AggregateMeasurements => field ??=
        "SELECT " + MeasurementBucket.Column + ", AVG(power_w) AS avg_power_w, MIN(power_w) AS min_power_w, " +
        "MAX(power_w) AS max_power_w, SUM(delta_wh) AS energy_wh, COUNT(*) AS samples FROM measurements " +
        "WHERE device_id = @device AND ts >= @from AND ts < @to AND " + RelationalSql.Plausible +
        " GROUP BY " + MeasurementBucket.Key + " ORDER BY " + MeasurementBucket.Key;
}
