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

    public const string NextDeviceSequence = "UPDATE devices SET sequence = sequence + 1 WHERE id = @id RETURNING sequence";

    public const string AppendEvent =
        "INSERT INTO events (id, organization_id, type, device_id, created_at, data, trace_parent) VALUES (@id, @org, @type, @device, @at, @data, @trace)";

    private const string MeasurementColumns = "device_id, ts, power_w, voltage_v, current_a, temperature_c, total_wh, delta_wh";

    /// <summary>Appends a sample to the inbox (see <see cref="MeasurementInbox"/>).</summary>
    public const string InsertMeasurement =
        "INSERT INTO measurement_inbox (" + MeasurementColumns + ") VALUES (@device, @ts, @power, @voltage, @current, @temperature, @total, @delta)";

    /// <summary>
    /// Moves the inbox into measurements in key order, so each device's page is written once. The
    /// ingestor stores one sample per device and time; a second one would be dropped here as on a
    /// direct insert. (<c>WHERE true</c>: an upsert's SELECT needs a WHERE to be parsed as one.)
    /// A DELETE without WHERE lets SQLite drop the inbox's pages at once.
    /// </summary>
    /// <para>
    /// The slot changes are summed per slot and added to their rows (as the direct upsert did, one
    /// batch after another), then each (device, hour) they touched is recomputed from its slots.
    /// </para>
    public const string FoldMeasurementInbox =
        InsertMeasurementsInto + "SELECT " + MeasurementColumns + " FROM measurement_inbox WHERE true ORDER BY device_id, ts " +
        "ON CONFLICT (device_id, ts) DO NOTHING; DELETE FROM measurement_inbox; " +
        InsertEnergySlotsInto + "SELECT device_id, slot, organization_id, " + EnergySums + " FROM energy_slot_inbox WHERE true " +
        "GROUP BY device_id, slot, organization_id ORDER BY device_id, slot" + AccumulateEnergySlot + "; " +
        InsertEnergyHoursInto + "SELECT s.device_id, t.hour, s.organization_id, " + SumSlotsOfHour +
        "FROM (SELECT DISTINCT device_id, slot - (((slot % " + HourMilliseconds + ") + " + HourMilliseconds + ") % " + HourMilliseconds + ") AS hour " +
        "FROM energy_slot_inbox) t JOIN energy_slots s ON s.device_id = t.device_id AND s.slot >= t.hour AND s.slot < t.hour + " + HourMilliseconds +
        " WHERE true GROUP BY s.device_id, t.hour, s.organization_id ORDER BY s.device_id, t.hour" + ReplaceEnergyHour + "; DELETE FROM energy_slot_inbox";

    /// <summary>Appends one slot change of a telemetry batch to the inbox (see <see cref="MeasurementInbox"/>).</summary>
    public const string AddEnergySlotToInbox =
        "INSERT INTO energy_slot_inbox (" + EnergySlotColumns + ") VALUES (@device, @slot, @org, @energy, @samples, @powerSum, @powerSeconds, @peak, @covered, @on)";
}
