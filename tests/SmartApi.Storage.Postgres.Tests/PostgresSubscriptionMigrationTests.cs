using Dapper;
using SmartApi.Storage.Compliance;

namespace SmartApi.Storage.Postgres.Tests;

/// <summary>Migration 0012 on a database written by the version before it: both subscription tables become one.</summary>
public sealed class PostgresSubscriptionMigrationTests : PostgresMigrationTest
{
    [Fact]
    public async Task Migration0012_RowsOfBothSubscriptionTables_AreCarriedOverAndRouteAsBefore()
    {
        await using var connection = await OpenBeforeAsync(SubscriptionMigration.Version);
        await connection.ExecuteAsync(SubscriptionMigration.Seed);
        var versionBefore = await connection.ExecuteScalarAsync<long>("SELECT version FROM routing_version");

        var store = await MigrateAsync();

        Assert.True(await connection.ExecuteScalarAsync<long>("SELECT version FROM routing_version") > versionBefore);
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name IN ('webhook_subscriptions', 'automation_subscriptions')"));
        await SubscriptionMigration.VerifyAsync(store, () => connection.QueryAsync<(string, string, string, string)>(SubscriptionMigration.ReadRows), Token);
    }
}
