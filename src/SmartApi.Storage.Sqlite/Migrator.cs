using Dapper;
using Microsoft.Data.Sqlite;

namespace SmartApi.Storage.Sqlite;

/// <summary>Applies the embedded <c>Migrations/NNNN_name.sql</c> scripts in order, each once, each in its own transaction.</summary>
internal static class Migrator
{
    public static async Task MigrateAsync(SqliteConnection connection, TimeProvider time, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
        var applied = (await connection.QueryAsync<long>("SELECT version FROM schema_migrations")).ToHashSet();

        foreach (var (version, name, sql) in LoadScripts())
        {
            if (applied.Contains(version))
            {
                continue;
            }
            cancellationToken.ThrowIfCancellationRequested();
            // BEGIN IMMEDIATE: a second process migrating the same file waits instead of racing.
            await using var transaction = connection.BeginTransaction(deferred: false);
            var again = await connection.ExecuteScalarAsync<long>(
                "SELECT COUNT(*) FROM schema_migrations WHERE version = @version", new { version }, transaction);
            if (again == 0)
            {
                await connection.ExecuteAsync(sql, transaction: transaction);
                await connection.ExecuteAsync(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, @at)",
                    new { version, name, at = time.GetUtcNow().ToUnixTimeMilliseconds() },
                    transaction);
            }
            await transaction.CommitAsync(cancellationToken);
        }
    }

    internal static IEnumerable<(long Version, string Name, string Sql)> LoadScripts()
    {
        var assembly = typeof(Migrator).Assembly;
        const string marker = ".Migrations.";
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.Contains(marker, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var fileName = resource[(resource.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..];
            var version = long.Parse(fileName[..fileName.IndexOf('_', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            yield return (version, fileName, reader.ReadToEnd());
        }
    }
}
