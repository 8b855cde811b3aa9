using System.Data.Common;
using System.Globalization;
using System.Reflection;
using Dapper;

namespace SmartApi.Storage.Relational;

/// <summary>
/// Applies a provider's embedded <c>Migrations/NNNN_name.sql</c> scripts in order, each once, each
/// in its own transaction. Each script's version is read again inside its transaction, so a second
/// process that began the same script after the first one committed it skips it; the provider
/// makes that transaction wait for the first (SQLite's BEGIN IMMEDIATE, PostgreSQL's advisory lock).
/// </summary>
internal static class MigrationRunner
{
    /// <summary>The scripts embedded in <paramref name="assembly"/>, by version.</summary>
    public static IEnumerable<(long Version, string Name, string Sql)> LoadScripts(Assembly assembly)
    {
        const string marker = ".Migrations.";
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.Contains(marker, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var fileName = resource[(resource.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..];
            var version = long.Parse(fileName[..fileName.IndexOf('_', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            yield return (version, fileName, reader.ReadToEnd());
        }
    }

    /// <param name="createTable">The <c>schema_migrations</c> table in the provider's column types.</param>
    /// <param name="begin">Begins a script's transaction.</param>
    public static async Task ApplyAsync(DbConnection connection, Assembly assembly, string createTable,
        Func<CancellationToken, ValueTask<DbTransaction>> begin, TimeProvider time, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(createTable);
        var applied = (await connection.QueryAsync<long>("SELECT version FROM schema_migrations")).ToHashSet();
        foreach (var (version, name, sql) in LoadScripts(assembly))
        {
            if (applied.Contains(version))
            {
                continue;
            }
            cancellationToken.ThrowIfCancellationRequested();
            await using var transaction = await begin(cancellationToken);
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
}
