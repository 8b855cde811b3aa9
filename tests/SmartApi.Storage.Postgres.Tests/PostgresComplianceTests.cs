using SmartApi.Storage.Compliance;

[assembly: AssemblyFixture(typeof(SmartApi.Storage.Postgres.Tests.PostgresStoreProvider))]

namespace SmartApi.Storage.Postgres.Tests;

/// <summary>The compliance suite's store on PostgreSQL: a fresh schema per test in the test cluster, dropped after it.</summary>
public sealed class PostgresStoreProvider : IStoreProvider
{
    public async Task<ProvidedStore> OpenAsync(TimeProvider time, CancellationToken cancellationToken)
    {
        var schema = new PostgresTestSchema();
        try
        {
            var store = await schema.OpenAsync(time, cancellationToken);
            return new ProvidedStore(store, schema.DisposeAsync);
        }
        catch
        {
            // Also a skip without a cluster: the schema then drops nothing.
            await schema.DisposeAsync();
            throw;
        }
    }
}

// Each area of the compliance suite, run against a fresh PostgreSQL schema per test: one line per area
// (PostgresComplianceCoverageTests fails when an area has none, or more than one).

public sealed class PostgresOrganizationAndApiKeyTests : OrganizationAndApiKeyComplianceTests;
public sealed class PostgresDeviceTests : DeviceComplianceTests;
public sealed class PostgresCommandTests : CommandComplianceTests;
public sealed class PostgresEventTests : EventComplianceTests;
public sealed class PostgresMeasurementTests : MeasurementComplianceTests;
public sealed class PostgresMeasurementExportTests : MeasurementExportComplianceTests;
public sealed class PostgresTransactionTests : TransactionComplianceTests;
public sealed class PostgresAutomationTests : AutomationComplianceTests;
public sealed class PostgresMatchingTests : MatchingComplianceTests;
public sealed class PostgresClaimTests : ClaimComplianceTests;
public sealed class PostgresDeliveryTests : DeliveryComplianceTests;
public sealed class PostgresDeliveryQueryTests : DeliveryQueryComplianceTests;
public sealed class PostgresRuleTests : RuleComplianceTests;
public sealed class PostgresPowerStateTests : PowerStateComplianceTests;
public sealed class PostgresGatewayTests : GatewayComplianceTests;
public sealed class PostgresSubscriptionChangeTests : SubscriptionChangeComplianceTests;
public sealed class PostgresSubscriptionShapeTests : SubscriptionShapeComplianceTests;
public sealed class PostgresDeviceReadTests : DeviceReadComplianceTests;
public sealed class PostgresIdempotencyTests : IdempotencyComplianceTests;
public sealed class PostgresCommitTests : CommitComplianceTests;
public sealed class PostgresHandOffTests : HandOffComplianceTests;
public sealed class PostgresPortalSessionTests : PortalSessionComplianceTests;
public sealed class PostgresBudgetTests : BudgetComplianceTests;
public sealed class PostgresErasureTests : ErasureComplianceTests;
public sealed class PostgresRetentionTests : RetentionComplianceTests;
public sealed class PostgresWebhookCircuitTests : WebhookCircuitComplianceTests;
public sealed class PostgresConsoleTests : ConsoleComplianceTests;
public sealed class PostgresTariffTests : TariffComplianceTests;
public sealed class PostgresBrokerAccountTests : BrokerAccountComplianceTests;

public sealed class PostgresComplianceCoverageTests
{
    [Fact]
    public void EveryComplianceArea_RunsExactlyOnceOnPostgres() =>
        Assert.Empty(ComplianceAreas.NotClosedOnceIn(typeof(PostgresStoreProvider).Assembly));
}
