using Dapper;
using Npgsql;

namespace SmartApi.Storage.Postgres;

/// <summary>
/// Applies the embedded <c>Migrations/NNNN_name.sql</c> scripts in order, each once, each in its own
/// transaction, while holding a session advisory lock: nodes starting together queue on the lock,
/// and each re-reads what is applied once it holds it, so no script runs twice.
/// </summary>
internal static class Migrator
{
    /// <summary>The advisory lock key of schema changes (migrations and partition maintenance): "smartapi" in ASCII.</summary>
    public const long SchemaLock = 0x736d617274617069;

    public static async Task MigrateAsync(NpgsqlConnection connection, TimeProvider time, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_lock(@key)", new { key = SchemaLock }, cancellationToken: cancellationToken));
        try
        {
            await MigrationRunner.ApplyAsync(connection, typeof(Migrator).Assembly,
                "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
                async token => await connection.BeginTransactionAsync(token), time, cancellationToken);
        }
        finally
        {
            await connection.ExecuteAsync("SELECT pg_advisory_unlock(@key)", new { key = SchemaLock });
        }
    }

    internal static IEnumerable<(long Version, string Name, string Sql)> LoadScripts() => MigrationRunner.LoadScripts(typeof(Migrator).Assembly);
}
