using System.Data.Common;
using Npgsql;

namespace SmartApi.Storage.Postgres;

/// <summary>PostgreSQL's spelling of the statements <see cref="SqlDialect"/> composes.</summary>
internal sealed class PostgresDialect : SqlDialect
{
    public static readonly PostgresDialect Instance = new();

    private PostgresDialect()
    {
    }

    protected override string IsTrue(string column) => column;

    protected override string InList(string column, string parameter) => column + " = ANY(@" + parameter + ")";

    // SKIP LOCKED: nodes claiming at once each take different rows instead of waiting on each other.
    protected override string SkipLocked => " FOR UPDATE SKIP LOCKED";

    // KEY SHARE holds off a DELETE (or a key change) until commit, but not updates of other columns
    // (presence, energy state), so the gateway's writes never wait on it.
    protected override string ForUpdate => " FOR UPDATE";
    protected override string KeyShareLock => " FOR KEY SHARE";

    // jsonb travels as text: Dapper maps it like SQLite's TEXT column.
    protected override string JsonColumn(string column) => column + "::text AS " + column;

    protected override string JsonParameter(string parameter) => parameter + "::jsonb";

    protected override string InsertIgnoringDuplicates(string into, string values) => "INSERT INTO " + into + " VALUES " + values + " ON CONFLICT DO NOTHING";

    protected override string InArray(string column, string parameter) => column + " = ANY(@" + parameter + ")";

    // The event log hands out positions from its own row, never from max(position).
    protected override string KeepNewestEvent => "";

    protected override string NullSafeEquals => "IS NOT DISTINCT FROM";

    protected override string DerivedTableAlias => " s";

    protected override (string Column, string Key) MeasurementBucket => ("ts - ((ts % @bucket) + @bucket) % @bucket AS start", "1");

    public override object IdList(IReadOnlyCollection<string> ids) => ids as string[] ?? [.. ids];

    // The planner cannot know the ranges' bounds, estimates a large join and compiles it with JIT:
    // about one second of compiling for a query that runs in tens of milliseconds.
    public override string? BeforeSumEnergySegments => "SET LOCAL jit = off";
    public override bool SumEnergySegmentsInTransaction => true;

    // A two-dimensional bigint array, one (segment, from, to) row per range.
    protected override string Ranges(string parameter) =>
        "SELECT @" + parameter + "[k][1] AS i, @" + parameter + "[k][2] AS s, @" + parameter + "[k][3] AS e FROM generate_subscripts(@" + parameter + ", 1) AS k";

    // LATERAL: one index range scan summed per (device, range), rather than joining every rollup row
    // to its range and hashing them all by (device, segment).
    protected override string SumRanges(string ranges, string table, string time) =>
        "SELECT d.id AS device_id, r.i, a.* FROM unnest(@devices) AS d(id) CROSS JOIN (" + Ranges(ranges) + ") r CROSS JOIN LATERAL (SELECT " +
        RelationalSql.RangeSums + " FROM " + table + " x WHERE x.device_id = d.id AND x.organization_id = @org AND x." + time + " >= r.s AND x." + time +
        " < r.e) a WHERE a.energy_wh IS NOT NULL";

    public override object RangeList(IReadOnlyList<(int Segment, long From, long To)> ranges)
    {
        var array = new long[ranges.Count, 3];
        for (var i = 0; i < ranges.Count; i++)
        {
            (array[i, 0], array[i, 1], array[i, 2]) = (ranges[i].Segment, ranges[i].From, ranges[i].To);
        }
        return array;
    }

    public override bool IsUniqueViolation(DbException exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    public override string TagFilter => " AND tags @> jsonb_build_object(@tagKey::text, @tagValue::text)";
    public override string TagPresentFilter => " AND jsonb_exists(tags, @tagKey)";
}
