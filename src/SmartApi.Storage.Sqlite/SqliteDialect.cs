using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace SmartApi.Storage.Sqlite;

/// <summary>SQLite's spelling of the statements <see cref="SqlDialect"/> composes.</summary>
internal sealed class SqliteDialect : SqlDialect
{
    public static readonly SqliteDialect Instance = new();

    // A primary key is a unique key: PostgreSQL reports both as one unique violation.
    private const int SqliteConstraintPrimaryKey = 1555;
    private const int SqliteConstraintUnique = 2067;

    private SqliteDialect()
    {
    }

    protected override string IsTrue(string column) => column + " = 1";

    // A list travels as one JSON array, so any number of ids is one statement.
    protected override string InList(string column, string parameter) => column + " IN (SELECT value FROM json_each(@" + parameter + "))";

    // One writer: no claim races another.
    protected override string SkipLocked => "";

    // One writer: nothing is deleted between a unit's read and its write.
    protected override string ForUpdate => "";
    protected override string KeyShareLock => "";

    protected override string JsonColumn(string column) => column;

    protected override string JsonParameter(string parameter) => parameter;

    protected override string InsertIgnoringDuplicates(string into, string values) => "INSERT OR IGNORE INTO " + into + " VALUES " + values;

    // Dapper expands the list into one parameter per id.
    protected override string InArray(string column, string parameter) => column + " IN @" + parameter;

    // Never the newest event: positions are max(position) + 1 (no AUTOINCREMENT), so deleting the
    // newest would hand its position out again.
    protected override string KeepNewestEvent => "AND e.position < (SELECT MAX(position) FROM events) ";

    protected override string NullSafeEquals => "IS";

    protected override string DerivedTableAlias => "";

    protected override (string Column, string Key) MeasurementBucket => ("(ts - ((ts % @bucket) + @bucket) % @bucket) AS start", "start");

    public override object IdList(IReadOnlyCollection<string> ids) =>
        JsonSerializer.Serialize(ids as string[] ?? [.. ids], StorageJsonContext.Default.StringArray);

    // A JSON array of [segment, from, to] triples: one parameter, whatever the number of ranges.
    protected override string Ranges(string parameter) =>
        "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]') FROM json_each(@" + parameter + ")";

    // SQLite sorts the rows of a GROUP BY unless its loops deliver them in order. The ranges go into
    // a temporary table keyed by their position (the connection's own, private to it), so the loop
    // over ranges, then over the devices of the list (in id order), then over each device's rows,
    // meets (k, device_id) in order and sums each range as it reads it: an organization month with a
    // tariff sorted 720,000 rollup rows before. No transaction: the statements write only the
    // temporary schema, never the database.
    public override string? BeforeSumEnergySegments => field ??= RangeTable("hours") + RangeTable("slots");

    private string RangeTable(string ranges) =>
        "CREATE TEMP TABLE IF NOT EXISTS energy_ranges_" + ranges + " (k INTEGER PRIMARY KEY, i INTEGER NOT NULL, s INTEGER NOT NULL, e INTEGER NOT NULL); " +
        "DELETE FROM temp.energy_ranges_" + ranges + "; INSERT INTO temp.energy_ranges_" + ranges + " (i, s, e) " + Ranges(ranges) + "; ";

    protected override string SumRanges(string ranges, string table, string time) =>
        "SELECT x.device_id, r.i, " + RelationalSql.RangeSums + " FROM temp.energy_ranges_" + ranges + " r CROSS JOIN " + table + " x WHERE " +
        InList("x.device_id", "devices") + " AND x.organization_id = @org AND x." + time + " >= r.s AND x." + time + " < r.e GROUP BY r.k, x.device_id";

    public override object RangeList(IReadOnlyList<(int Segment, long From, long To)> ranges)
    {
        var json = new System.Text.StringBuilder(2 + (ranges.Count * 34)).Append('[');
        foreach (var (segment, from, to) in ranges)
        {
            json.Append(json.Length > 1 ? ",[" : "[").Append(CultureInfo.InvariantCulture, $"{segment},{from},{to}]");
        }
        return json.Append(']').ToString();
    }

    public override bool IsUniqueViolation(DbException exception) =>
        exception is SqliteException { SqliteExtendedErrorCode: SqliteConstraintUnique or SqliteConstraintPrimaryKey };

    // json_each compares the decoded key, so any key works; a JSON path cannot address keys holding
    // '"' or a backslash (SQLite has no escape inside a quoted path label).
    public override string TagFilter => " AND EXISTS (SELECT 1 FROM json_each(tags) WHERE key = @tagKey AND value = @tagValue)";
    public override string TagPresentFilter => " AND EXISTS (SELECT 1 FROM json_each(tags) WHERE key = @tagKey)";
}
