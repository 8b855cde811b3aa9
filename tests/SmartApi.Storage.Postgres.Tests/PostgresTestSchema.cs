using SmartApi.Testing;

namespace SmartApi.Storage.Postgres.Tests;

/// <summary>A schema of its own per test, so tests share the cluster but never each other's rows.</summary>
internal sealed class PostgresTestSchema : IAsyncDisposable
{
    private string? _schema;

    public string ConnectionString { get; private set; } = "";

    public async Task<PostgresSmartApiStore> OpenAsync(TimeProvider time, CancellationToken cancellationToken)
    {
        var schema = PostgresTestEnvironment.NewName("t");
        ConnectionString = await PostgresTestEnvironment.CreateSchemaAsync(schema);
        // Set only once created: a skipped test (no cluster) has nothing to drop.
        _schema = schema;
        var store = new PostgresSmartApiStore(new PostgresStorageOptions { ConnectionString = ConnectionString }, time);
        await store.MigrateAsync(cancellationToken);
        return store;
    }

    public async ValueTask DisposeAsync()
    {
        if (_schema is not null)
        {
            await PostgresTestEnvironment.DropSchemaAsync(_schema);
        }
    }
}
