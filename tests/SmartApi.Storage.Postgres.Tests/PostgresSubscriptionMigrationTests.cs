using Dapper;
using Npgsql;
using SmartApi.Storage.Compliance;
using SmartApi.Testing;

namespace SmartApi.Storage.Postgres.Tests;

/// <summary>Migration 0012 on a database written by the version before it: both subscription tables become one.</summary>
public sealed class PostgresSubscriptionMigrationTests : IAsyncLifetime
{
    private readonly string _schema = PostgresTestEnvironment.NewName("mig");
    private bool _created;
    private PostgresSmartApiStore? _store;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }
        if (_created)
        {
            await PostgresTestEnvironment.DropSchemaAsync(_schema);
        }
    }

    [Fact]
    public async Task Migration0012_RowsOfBothSubscriptionTables_AreCarriedOverAndRouteAsBefore()
    {
        var connectionString = await PostgresTestEnvironment.CreateSchemaAsync(_schema);
        _created = true;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Token);
        await connection.ExecuteAsync("CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
        foreach (var (version, name, sql) in Migrator.LoadScripts().Where(s => s.Version < SubscriptionMigration.Version))
        {
            await connection.ExecuteAsync(sql);
            await connection.ExecuteAsync("INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, 0)", new { version, name });
        }
        await connection.ExecuteAsync(SubscriptionMigration.Seed);
        var versionBefore = await connection.ExecuteScalarAsync<long>("SELECT version FROM routing_version");

        _store = new PostgresSmartApiStore(new PostgresStorageOptions { ConnectionString = connectionString }, TimeProvider.System);
        await _store.MigrateAsync(Token);

        Assert.True(await connection.ExecuteScalarAsync<long>("SELECT version FROM routing_version") > versionBefore);
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name IN ('webhook_subscriptions', 'automation_subscriptions')"));
        await SubscriptionMigration.VerifyAsync(_store, () => connection.QueryAsync<(string, string, string, string)>(SubscriptionMigration.ReadRows), Token);
    }
}
