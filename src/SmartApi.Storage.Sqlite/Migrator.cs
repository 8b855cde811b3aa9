using Microsoft.Data.Sqlite;

namespace SmartApi.Storage.Sqlite;

/// <summary>The SQLite schema: the embedded scripts, applied by <see cref="MigrationRunner"/>.</summary>
internal static class Migrator
{
    public static Task MigrateAsync(SqliteConnection connection, TimeProvider time, CancellationToken cancellationToken) =>
        MigrationRunner.ApplyAsync(connection, typeof(Migrator).Assembly,
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
            // BEGIN IMMEDIATE: a second process migrating the same file waits instead of racing.
            _ => ValueTask.FromResult<System.Data.Common.DbTransaction>(connection.BeginTransaction(deferred: false)),
            time, cancellationToken);

    internal static IEnumerable<(long Version, string Name, string Sql)> LoadScripts() => MigrationRunner.LoadScripts(typeof(Migrator).Assembly);
}
