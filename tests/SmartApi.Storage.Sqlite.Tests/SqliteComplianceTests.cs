using SmartApi.Storage.Compliance;

[assembly: AssemblyFixture(typeof(SmartApi.Storage.Sqlite.Tests.SqliteStoreProvider))]

namespace SmartApi.Storage.Sqlite.Tests;

/// <summary>The compliance suite's store on SQLite: a fresh database file per test, deleted after it.</summary>
public sealed class SqliteStoreProvider : IStoreProvider
{
    public async Task<ProvidedStore> OpenAsync(TimeProvider time, CancellationToken cancellationToken)
    {
        var database = new SqliteTestDatabase();
        try
        {
            var store = await database.OpenAsync(cancellationToken, time);
            return new ProvidedStore(store, () =>
            {
                database.Dispose();
                return ValueTask.CompletedTask;
            });
        }
        catch
        {
            database.Dispose();
            throw;
        }
    }
}

// Each area of the compliance suite, run against a fresh SQLite file per test: one line per area
// (SqliteComplianceCoverageTests fails when an area has none, or more than one).

public sealed class SqliteOrganizationAndApiKeyTests : OrganizationAndApiKeyComplianceTests;
public sealed class SqliteDeviceTests : DeviceComplianceTests;
public sealed class SqliteCommandTests : CommandComplianceTests;
public sealed class SqliteEventTests : EventComplianceTests;
public sealed class SqliteMeasurementTests : MeasurementComplianceTests;
public sealed class SqliteMeasurementExportTests : MeasurementExportComplianceTests;
public sealed class SqliteTransactionTests : TransactionComplianceTests;
public sealed class SqliteAutomationTests : AutomationComplianceTests;
public sealed class SqliteMatchingTests : MatchingComplianceTests;
public sealed class SqliteClaimTests : ClaimComplianceTests;
public sealed class SqliteDeliveryTests : DeliveryComplianceTests;
public sealed class SqliteDeliveryQueryTests : DeliveryQueryComplianceTests;
public sealed class SqliteRuleTests : RuleComplianceTests;
public sealed class SqlitePowerStateTests : PowerStateComplianceTests;
public sealed class SqliteGatewayTests : GatewayComplianceTests;
public sealed class SqliteSubscriptionChangeTests : SubscriptionChangeComplianceTests;
public sealed class SqliteSubscriptionShapeTests : SubscriptionShapeComplianceTests;
public sealed class SqliteDeviceReadTests : DeviceReadComplianceTests;
public sealed class SqliteIdempotencyTests : IdempotencyComplianceTests;
public sealed class SqliteCommitTests : CommitComplianceTests;
public sealed class SqliteHandOffTests : HandOffComplianceTests;
public sealed class SqlitePortalSessionTests : PortalSessionComplianceTests;
public sealed class SqliteConsoleTests : ConsoleComplianceTests;
public sealed class SqliteTariffTests : TariffComplianceTests;
public sealed class SqliteBudgetTests : BudgetComplianceTests;
public sealed class SqliteErasureTests : ErasureComplianceTests;
public sealed class SqliteRetentionTests : RetentionComplianceTests;
public sealed class SqliteWebhookCircuitTests : WebhookCircuitComplianceTests;
public sealed class SqliteBrokerAccountTests : BrokerAccountComplianceTests;

public sealed class SqliteComplianceCoverageTests
{
    [Fact]
    public void EveryComplianceArea_RunsExactlyOnceOnSqlite() =>
        Assert.Empty(ComplianceAreas.NotClosedOnceIn(typeof(SqliteStoreProvider).Assembly));
}
