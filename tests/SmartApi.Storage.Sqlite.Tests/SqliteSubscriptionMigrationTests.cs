using Dapper;
using Microsoft.Data.Sqlite;
using SmartApi.Storage.Compliance;

namespace SmartApi.Storage.Sqlite.Tests;

/// <summary>Migration 0012 on a database written by the version before it: both subscription tables become one.</summary>
public sealed class SqliteSubscriptionMigrationTests : SqliteFileTest
{
    [Fact]
    public async Task Migration0012_RowsOfBothSubscriptionTables_AreCarriedOverAndRouteAsBefore()
    {
        await using (var old = await OpenBeforeAsync(SubscriptionMigration.Version))
        {
            await old.ExecuteAsync(SubscriptionMigration.Seed);
        }

        await using var store = await Database.OpenAsync(Token);
        await using var reader = new SqliteConnection(Database.ConnectionString);
        await reader.OpenAsync(Token);

        await SubscriptionMigration.VerifyAsync(store, () => reader.QueryAsync<(string, string, string, string)>(SubscriptionMigration.ReadRows), Token);
        Assert.Equal(0, await reader.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('webhook_subscriptions', 'automation_subscriptions')"));
    }
}
