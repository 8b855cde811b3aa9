using Dapper;
using Npgsql;
using SmartApi.Testing;

namespace SmartApi.Storage.Postgres.Tests;

/// <summary>
/// Migration 0008 on a database written by the version before it, where organizations could share a
/// serial: the oldest device keeps it, later ones are renamed, and the serial becomes unique.
/// </summary>
public sealed class PostgresSerialMigrationTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
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
    public async Task Migration0008_SharedSerials_OldestKeepsItAndLaterOnesAreRenamed()
    {
        var connectionString = await PostgresTestEnvironment.CreateSchemaAsync(_schema);
        _created = true;
        await using (var old = new NpgsqlConnection(connectionString))
        {
            await old.OpenAsync(Token);
            await old.ExecuteAsync("CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
            foreach (var (version, name, sql) in Migrator.LoadScripts().Where(s => s.Version < 8))
            {
                await old.ExecuteAsync(sql);
                await old.ExecuteAsync("INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, 0)", new { version, name });
            }
            await old.ExecuteAsync("INSERT INTO organizations (id, name, created_at) VALUES ('org_a', 'A', 1), ('org_b', 'B', 1), ('org_c', 'C', 1)");
            // The oldest holder of SN-1 is in B; A's and C's came later (at the same millisecond: id order decides).
            await InsertDeviceAsync(old, "dev_2", "org_a", "SN-1", createdAt: 2000);
            await InsertDeviceAsync(old, "dev_1", "org_b", "SN-1", createdAt: 1000);
            await InsertDeviceAsync(old, "dev_3", "org_c", "SN-1", createdAt: 2000);
            await InsertDeviceAsync(old, "dev_4", "org_a", "SN-2", createdAt: 500);
        }

        _store = new PostgresSmartApiStore(new PostgresStorageOptions { ConnectionString = connectionString }, TimeProvider.System);
        await _store.MigrateAsync(Token);

        Assert.Equal("SN-1", (await _store.GetDeviceAsync("org_b", "dev_1", Token))!.Serial);
        Assert.Equal("SN-1~dev_2", (await _store.GetDeviceAsync("org_a", "dev_2", Token))!.Serial);
        Assert.Equal("SN-1~dev_3", (await _store.GetDeviceAsync("org_c", "dev_3", Token))!.Serial);
        Assert.Equal("SN-2", (await _store.GetDeviceAsync("org_a", "dev_4", Token))!.Serial);
        Assert.Equal(["dev_1"], (await _store.FindDevicesBySerialAsync("SN-1", Token)).Select(d => d.Id));
        var again = new Device("dev_5", "org_c", "SN-1", "Again", null, new Dictionary<string, string>(), "last", [1], false, null, "unknown", null, Now, Now);
        await Assert.ThrowsAsync<DuplicateKeyException>(() => _store.WriteAsync(async tx =>
        {
            await tx.InsertDeviceAsync(again);
            return true;
        }, Token));
    }

    private static Task<int> InsertDeviceAsync(NpgsqlConnection connection, string id, string organizationId, string serial, long createdAt) =>
        connection.ExecuteAsync("""
            INSERT INTO devices (id, organization_id, serial, name, tags, power_on_state, mqtt_password_hash, switch, created_at, updated_at)
            VALUES (@id, @organizationId, @serial, 'Device', '{}', 'last', '\x01'::bytea, 'unknown', @createdAt, @createdAt)
            """, new { id, organizationId, serial, createdAt });
}
