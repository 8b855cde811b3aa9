using Dapper;
using Npgsql;

namespace SmartApi.Storage.Postgres.Tests;

/// <summary>
/// Migration 0008 on a database written by the version before it, where organizations could share a
/// serial: the oldest device keeps it, later ones are renamed, and the serial becomes unique.
/// </summary>
public sealed class PostgresSerialMigrationTests : PostgresMigrationTest
{
    [Fact]
    public async Task Migration0008_SharedSerials_OldestKeepsItAndLaterOnesAreRenamed()
    {
        await using (var old = await OpenBeforeAsync(8))
        {
            await old.ExecuteAsync("INSERT INTO organizations (id, name, created_at) VALUES ('org_a', 'A', 1), ('org_b', 'B', 1), ('org_c', 'C', 1)");
            // The oldest holder of SN-1 is in B; A's and C's came later (at the same millisecond: id order decides).
            await InsertDeviceAsync(old, "dev_2", "org_a", "SN-1", createdAt: 2000);
            await InsertDeviceAsync(old, "dev_1", "org_b", "SN-1", createdAt: 1000);
            await InsertDeviceAsync(old, "dev_3", "org_c", "SN-1", createdAt: 2000);
            await InsertDeviceAsync(old, "dev_4", "org_a", "SN-2", createdAt: 500);
        }

        var store = await MigrateAsync();

        Assert.Equal("SN-1", (await store.GetDeviceAsync("org_b", "dev_1", Token))!.Serial);
        Assert.Equal("SN-1~dev_2", (await store.GetDeviceAsync("org_a", "dev_2", Token))!.Serial);
        Assert.Equal("SN-1~dev_3", (await store.GetDeviceAsync("org_c", "dev_3", Token))!.Serial);
        Assert.Equal("SN-2", (await store.GetDeviceAsync("org_a", "dev_4", Token))!.Serial);
        Assert.Equal(["dev_1"], (await store.FindDevicesBySerialAsync("SN-1", Token)).Select(d => d.Id));
        var again = new Device("dev_5", "org_c", "SN-1", "Again", null, new Dictionary<string, string>(), "last", [1], false, null, "unknown", null, Now, Now);
        await Assert.ThrowsAsync<DuplicateKeyException>(() => store.WriteAsync(async tx =>
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
