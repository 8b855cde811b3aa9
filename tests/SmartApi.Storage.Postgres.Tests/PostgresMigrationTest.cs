using Dapper;
using Npgsql;
using SmartApi.Testing;

namespace SmartApi.Storage.Postgres.Tests;

/// <summary>
/// What a migration test shares: a schema of its own where the scripts before a version ran (the
/// database the previous version left), then the store that migrates it.
/// </summary>
public abstract class PostgresMigrationTest : IAsyncLifetime
{
    protected static readonly DateTimeOffset Now = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly string _schema = PostgresTestEnvironment.NewName("mig");
    private string? _connectionString;
    private PostgresSmartApiStore? _store;

    protected static CancellationToken Token => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }
        if (_connectionString is not null)
        {
            await PostgresTestEnvironment.DropSchemaAsync(_schema);
        }
        GC.SuppressFinalize(this);
    }

    /// <summary>An open connection to a new schema where every script before <paramref name="version"/> ran.</summary>
    protected async Task<NpgsqlConnection> OpenBeforeAsync(long version)
    {
        _connectionString = await PostgresTestEnvironment.CreateSchemaAsync(_schema);
        var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync(Token);
        await connection.ExecuteAsync("CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
        foreach (var (v, name, sql) in Migrator.LoadScripts().Where(s => s.Version < version))
        {
            await connection.ExecuteAsync(sql);
            await connection.ExecuteAsync("INSERT INTO schema_migrations (version, name, applied_at) VALUES (@v, @name, 0)", new { v, name });
        }
        return connection;
    }

    /// <summary>The store on that schema, once it applied the remaining scripts.</summary>
    protected async Task<PostgresSmartApiStore> MigrateAsync()
    {
        _store = new PostgresSmartApiStore(new PostgresStorageOptions { ConnectionString = _connectionString! }, TimeProvider.System);
        await _store.MigrateAsync(Token);
        return _store;
    }
}
