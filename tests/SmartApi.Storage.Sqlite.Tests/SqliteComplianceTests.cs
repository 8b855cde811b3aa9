using SmartApi.Storage.Compliance;

namespace SmartApi.Storage.Sqlite.Tests;

// Each area of the compliance suite, run against a fresh SQLite file per test.

public sealed class SqliteOrganizationAndApiKeyTests : OrganizationAndApiKeyComplianceTests
{
    private readonly SqliteTestDatabase _database = new();

    protected override async Task<ISmartApiStore> CreateStoreAsync() => await _database.OpenAsync(Token, Time);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _database.Dispose();
    }
}

public sealed class SqliteDeviceTests : DeviceComplianceTests
{
    private readonly SqliteTestDatabase _database = new();

    protected override async Task<ISmartApiStore> CreateStoreAsync() => await _database.OpenAsync(Token, Time);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _database.Dispose();
    }
}

public sealed class SqliteCommandTests : CommandComplianceTests
{
    private readonly SqliteTestDatabase _database = new();

    protected override async Task<ISmartApiStore> CreateStoreAsync() => await _database.OpenAsync(Token, Time);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _database.Dispose();
    }
}

public sealed class SqliteEventTests : EventComplianceTests
{
    private readonly SqliteTestDatabase _database = new();

    protected override async Task<ISmartApiStore> CreateStoreAsync() => await _database.OpenAsync(Token, Time);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _database.Dispose();
    }
}

public sealed class SqliteMeasurementTests : MeasurementComplianceTests
{
    private readonly SqliteTestDatabase _database = new();

    protected override async Task<ISmartApiStore> CreateStoreAsync() => await _database.OpenAsync(Token, Time);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _database.Dispose();
    }
}

public sealed class SqliteTransactionTests : TransactionComplianceTests
{
    private readonly SqliteTestDatabase _database = new();

    protected override async Task<ISmartApiStore> CreateStoreAsync() => await _database.OpenAsync(Token, Time);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _database.Dispose();
    }
}

public sealed class SqliteAutomationTests : AutomationComplianceTests
{
    private readonly SqliteTestDatabase _database = new();

    protected override async Task<ISmartApiStore> CreateStoreAsync() => await _database.OpenAsync(Token, Time);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _database.Dispose();
    }
}

public sealed class SqliteMatchingTests : MatchingComplianceTests
{
    private readonly SqliteTestDatabase _database = new();

    protected override async Task<ISmartApiStore> CreateStoreAsync() => await _database.OpenAsync(Token, Time);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _database.Dispose();
    }
}

public sealed class SqliteClaimTests : ClaimComplianceTests
{
    private readonly SqliteTestDatabase _database = new();

    protected override async Task<ISmartApiStore> CreateStoreAsync() => await _database.OpenAsync(Token, Time);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _database.Dispose();
    }
}

public sealed class SqliteDeliveryTests : DeliveryComplianceTests
{
    private readonly SqliteTestDatabase _database = new();

    protected override async Task<ISmartApiStore> CreateStoreAsync() => await _database.OpenAsync(Token, Time);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _database.Dispose();
    }
}

public sealed class SqliteRuleTests : RuleComplianceTests
{
    private readonly SqliteTestDatabase _database = new();

    protected override async Task<ISmartApiStore> CreateStoreAsync() => await _database.OpenAsync(Token, Time);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _database.Dispose();
    }
}

public sealed class SqlitePowerStateTests : PowerStateComplianceTests
{
    private readonly SqliteTestDatabase _database = new();

    protected override async Task<ISmartApiStore> CreateStoreAsync() => await _database.OpenAsync(Token, Time);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _database.Dispose();
    }
}

public sealed class SqliteGatewayTests : GatewayComplianceTests
{
    private readonly SqliteTestDatabase _database = new();

    protected override async Task<ISmartApiStore> CreateStoreAsync() => await _database.OpenAsync(Token, Time);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _database.Dispose();
    }
}

public sealed class SqliteSubscriptionChangeTests : SubscriptionChangeComplianceTests
{
    private readonly SqliteTestDatabase _database = new();

    protected override async Task<ISmartApiStore> CreateStoreAsync() => await _database.OpenAsync(Token, Time);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _database.Dispose();
    }
}

public sealed class SqliteDeviceReadTests : DeviceReadComplianceTests
{
    private readonly SqliteTestDatabase _database = new();

    protected override async Task<ISmartApiStore> CreateStoreAsync() => await _database.OpenAsync(Token, Time);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _database.Dispose();
    }
}

public sealed class SqliteIdempotencyTests : IdempotencyComplianceTests
{
    private readonly SqliteTestDatabase _database = new();

    protected override async Task<ISmartApiStore> CreateStoreAsync() => await _database.OpenAsync(Token, Time);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _database.Dispose();
    }
}
