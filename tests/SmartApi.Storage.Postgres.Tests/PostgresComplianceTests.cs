using SmartApi.Storage.Compliance;

namespace SmartApi.Storage.Postgres.Tests;

// Each area of the compliance suite, run against a fresh PostgreSQL schema per test.

public sealed class PostgresOrganizationAndApiKeyTests : OrganizationAndApiKeyComplianceTests
{
    private readonly PostgresTestSchema _schema = new();

    protected override async Task<ISmartApiStore> CreateStoreAsync() => await _schema.OpenAsync(Time, Token);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _schema.DisposeAsync();
    }
}

public sealed class PostgresDeviceTests : DeviceComplianceTests
{
    private readonly PostgresTestSchema _schema = new();

    protected override async Task<ISmartApiStore> CreateStoreAsync() => await _schema.OpenAsync(Time, Token);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _schema.DisposeAsync();
    }
}

public sealed class PostgresCommandTests : CommandComplianceTests
{
    private readonly PostgresTestSchema _schema = new();

    protected override async Task<ISmartApiStore> CreateStoreAsync() => await _schema.OpenAsync(Time, Token);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _schema.DisposeAsync();
    }
}

public sealed class PostgresEventTests : EventComplianceTests
{
    private readonly PostgresTestSchema _schema = new();

    protected override async Task<ISmartApiStore> CreateStoreAsync() => await _schema.OpenAsync(Time, Token);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _schema.DisposeAsync();
    }
}

public sealed class PostgresMeasurementTests : MeasurementComplianceTests
{
    private readonly PostgresTestSchema _schema = new();

    protected override async Task<ISmartApiStore> CreateStoreAsync() => await _schema.OpenAsync(Time, Token);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _schema.DisposeAsync();
    }
}

public sealed class PostgresTransactionTests : TransactionComplianceTests
{
    private readonly PostgresTestSchema _schema = new();

    protected override async Task<ISmartApiStore> CreateStoreAsync() => await _schema.OpenAsync(Time, Token);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _schema.DisposeAsync();
    }
}

public sealed class PostgresAutomationTests : AutomationComplianceTests
{
    private readonly PostgresTestSchema _schema = new();

    protected override async Task<ISmartApiStore> CreateStoreAsync() => await _schema.OpenAsync(Time, Token);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _schema.DisposeAsync();
    }
}

public sealed class PostgresMatchingTests : MatchingComplianceTests
{
    private readonly PostgresTestSchema _schema = new();

    protected override async Task<ISmartApiStore> CreateStoreAsync() => await _schema.OpenAsync(Time, Token);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _schema.DisposeAsync();
    }
}

public sealed class PostgresClaimTests : ClaimComplianceTests
{
    private readonly PostgresTestSchema _schema = new();

    protected override async Task<ISmartApiStore> CreateStoreAsync() => await _schema.OpenAsync(Time, Token);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _schema.DisposeAsync();
    }
}

public sealed class PostgresDeliveryTests : DeliveryComplianceTests
{
    private readonly PostgresTestSchema _schema = new();

    protected override async Task<ISmartApiStore> CreateStoreAsync() => await _schema.OpenAsync(Time, Token);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _schema.DisposeAsync();
    }
}

public sealed class PostgresRuleTests : RuleComplianceTests
{
    private readonly PostgresTestSchema _schema = new();

    protected override async Task<ISmartApiStore> CreateStoreAsync() => await _schema.OpenAsync(Time, Token);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _schema.DisposeAsync();
    }
}

public sealed class PostgresPowerStateTests : PowerStateComplianceTests
{
    private readonly PostgresTestSchema _schema = new();

    protected override async Task<ISmartApiStore> CreateStoreAsync() => await _schema.OpenAsync(Time, Token);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _schema.DisposeAsync();
    }
}

public sealed class PostgresGatewayTests : GatewayComplianceTests
{
    private readonly PostgresTestSchema _schema = new();

    protected override async Task<ISmartApiStore> CreateStoreAsync() => await _schema.OpenAsync(Time, Token);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _schema.DisposeAsync();
    }
}

public sealed class PostgresSubscriptionChangeTests : SubscriptionChangeComplianceTests
{
    private readonly PostgresTestSchema _schema = new();

    protected override async Task<ISmartApiStore> CreateStoreAsync() => await _schema.OpenAsync(Time, Token);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _schema.DisposeAsync();
    }
}

public sealed class PostgresDeviceReadTests : DeviceReadComplianceTests
{
    private readonly PostgresTestSchema _schema = new();

    protected override async Task<ISmartApiStore> CreateStoreAsync() => await _schema.OpenAsync(Time, Token);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _schema.DisposeAsync();
    }
}

public sealed class PostgresIdempotencyTests : IdempotencyComplianceTests
{
    private readonly PostgresTestSchema _schema = new();

    protected override async Task<ISmartApiStore> CreateStoreAsync() => await _schema.OpenAsync(Time, Token);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _schema.DisposeAsync();
    }
}
