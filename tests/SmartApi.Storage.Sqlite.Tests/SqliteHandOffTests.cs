using SmartApi.Storage.Compliance;

namespace SmartApi.Storage.Sqlite.Tests;

/// <summary>What only SQLite's hand-off does: leases of a dead process released at start-up, and data SQLite would not give back as bound.</summary>
public sealed class SqliteHandOffRestartTests : OutboxComplianceTests
{
    private readonly SqliteTestDatabase _database = new();
    private readonly List<ClaimedDelivery> _handed = [];

    protected override async Task<ISmartApiStore> CreateStoreAsync() => await _database.OpenAsync(Token, Time);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _database.Dispose();
    }

    private IDisposable Register(ISmartApiStore store) =>
        store.LeaseQueuedDeliveries("process-1", TimeSpan.FromMinutes(5), deliveries =>
        {
            lock (_handed)
            {
                _handed.AddRange(deliveries);
            }
        });

    [Fact]
    public async Task Restart_HandedDeliveryOfADeadProcess_IsClaimableAtOnceNotWhenItsLeaseLapses()
    {
        var organization = await CreateOrganizationAsync();
        await CreateAutomationAsync(organization.Id);
        using (Register(Store))
        {
            await AppendAsync(NewEvent(organization.Id));
        }
        var handed = Assert.Single(_handed);
        Assert.Empty(await ClaimAsync(owner: "process-2"));
        // The process dies with the delivery in flight; the next one starts on the same file.
        await ((IAsyncDisposable)Store).DisposeAsync();

        await using var restarted = await _database.OpenAsync(Token, Time);
        var now = Time.GetUtcNow();
        var claimed = await restarted.WriteAsync(tx => tx.ClaimDeliveriesAsync("process-2", now, now.AddMinutes(1), 10), Token);

        Assert.Equal(handed.Delivery.Id, Assert.Single(claimed).Delivery.Id);
        Assert.Equal(handed.Event, claimed[0].Event);
    }

    [Fact]
    public async Task AppendEvent_DataWithALoneSurrogate_IsClaimedAsStoredInsteadOfHanded()
    {
        var organization = await CreateOrganizationAsync();
        await CreateAutomationAsync(organization.Id);
        using var registration = Register(Store);

        var appended = await AppendAsync(NewEvent(organization.Id, dataJson: "{\"reason\":\"\uD800 lone\"}"));

        Assert.Empty(_handed);
        var claimed = Assert.Single(await ClaimAsync());
        Assert.Equal(await Store.GetEventAsync(organization.Id, appended.Id, Token), claimed.Event);
        Assert.Contains('\uFFFD', claimed.Event.DataJson);
    }
}
