using Dapper;
using Microsoft.Data.Sqlite;

namespace SmartApi.Storage.Sqlite.Tests;

/// <summary>What the SQLite-only tests share: a database file of their own, ids, the test's token, an organization.</summary>
public abstract class SqliteFileTest : IDisposable
{
    protected static readonly DateTimeOffset Now = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private protected SqliteTestDatabase Database { get; } = new();
    private protected IdGenerator Ids { get; } = new(TimeProvider.System);

    protected static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        Database.Dispose();
        GC.SuppressFinalize(this);
    }

    private protected async Task<Organization> InsertOrganizationAsync(SqliteSmartApiStore store)
    {
        var organization = new Organization(Ids.New("org"), "Acme", Now);
        await store.WriteAsync(async tx =>
        {
            await tx.InsertOrganizationAsync(organization);
            return true;
        }, Token);
        return organization;
    }

    /// <summary>An open connection to the test's file where every migration script before <paramref name="version"/> ran: the database the previous version left.</summary>
    private protected async Task<SqliteConnection> OpenBeforeAsync(long version)
    {
        var connection = new SqliteConnection(Database.ConnectionString);
        await connection.OpenAsync(Token);
        await connection.ExecuteAsync("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
        foreach (var (v, name, sql) in Migrator.LoadScripts().Where(s => s.Version < version))
        {
            await connection.ExecuteAsync(sql);
            await connection.ExecuteAsync("INSERT INTO schema_migrations (version, name, applied_at) VALUES (@v, @name, 0)", new { v, name });
        }
        return connection;
    }
}
