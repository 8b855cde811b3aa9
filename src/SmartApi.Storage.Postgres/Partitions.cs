using System.Globalization;
using Dapper;
using Npgsql;

namespace SmartApi.Storage.Postgres;

/// <summary>
/// The daily partitions of <c>measurements</c>: created some days ahead (at migration and at each
/// retention run), dropped whole once older than the retention age. A sample outside every created
/// day lands in <c>measurements_default</c>; when its day's partition is created later, its rows
/// move there in the same transaction.
/// </summary>
internal static class Partitions
{
    private const long DayMs = 86_400_000;
    private const string Prefix = "measurements_p";

    public static string NameOf(long dayStartMs) =>
        Prefix + DateTimeOffset.FromUnixTimeMilliseconds(dayStartMs).ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    /// <summary>Creates the partitions from yesterday to <paramref name="daysAhead"/> days after <paramref name="now"/>.</summary>
    public static async Task EnsureAsync(NpgsqlConnection connection, DateTimeOffset now, int daysAhead, CancellationToken cancellationToken)
    {
        var today = Floor(now.ToUnixTimeMilliseconds());
        var existing = (await ListAsync(connection)).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        for (var day = today - DayMs; day <= today + daysAhead * DayMs; day += DayMs)
        {
            var name = NameOf(day);
            if (existing.Contains(name))
            {
                continue;
            }
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            // Two nodes maintaining at once: the second waits here, then finds the partition made.
            await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(@key)", new { key = Migrator.SchemaLock }, transaction);
            var made = await connection.ExecuteScalarAsync<bool>("SELECT to_regclass(@name) IS NOT NULL", new { name }, transaction);
            if (!made)
            {
                // Built beside the table and attached, so rows that reached the default partition
                // for that day move into it in the same transaction.
                await connection.ExecuteAsync(
                    $"CREATE TABLE {name} (LIKE measurements INCLUDING DEFAULTS INCLUDING CONSTRAINTS); " +
                    $"WITH moved AS (DELETE FROM measurements_default WHERE ts >= {day} AND ts < {day + DayMs} RETURNING *) INSERT INTO {name} SELECT * FROM moved; " +
                    $"ALTER TABLE measurements ATTACH PARTITION {name} FOR VALUES FROM ({day}) TO ({day + DayMs})",
                    transaction: transaction);
            }
            await transaction.CommitAsync(cancellationToken);
        }
    }

    /// <summary>Drops the partitions that end at or before <paramref name="before"/>, then deletes older rows left in the others.</summary>
    public static async Task<int> PruneAsync(NpgsqlConnection connection, DateTimeOffset before, CancellationToken cancellationToken)
    {
        var cutoff = before.ToUnixTimeMilliseconds();
        var dropped = 0;
        foreach (var (name, dayStart) in await ListAsync(connection))
        {
            if (dayStart + DayMs <= cutoff)
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(@key)", new { key = Migrator.SchemaLock }, transaction);
                await connection.ExecuteAsync($"DROP TABLE IF EXISTS {name}", transaction: transaction);
                await transaction.CommitAsync(cancellationToken);
                dropped++;
            }
        }
        // The partition holding the cutoff and the default partition: row by row.
        await connection.ExecuteAsync(new CommandDefinition(Sql.DeleteMeasurementsBefore, new { before = cutoff }, cancellationToken: cancellationToken));
        return dropped;
    }

    public static async Task<IReadOnlyList<(string Name, long DayStart)>> ListAsync(NpgsqlConnection connection)
    {
        var names = await connection.QueryAsync<string>(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'measurements'::regclass AND c.relname LIKE 'measurements\\_p%'");
        return names
            .Select(n => (Name: n, DayStart: DateTimeOffset.ParseExact(n[Prefix.Length..], "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).ToUnixTimeMilliseconds()))
            .OrderBy(p => p.DayStart)
            .ToList();
    }

    private static long Floor(long ms) => ms - ((ms % DayMs) + DayMs) % DayMs;
}
