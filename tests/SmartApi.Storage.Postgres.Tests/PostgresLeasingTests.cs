using System.Collections.Concurrent;
using SmartApi.Storage.Compliance;

namespace SmartApi.Storage.Postgres.Tests;

/// <summary>
/// Deliveries handed to this node's engine at their commit, already leased (IDeliveryLeaseSource):
/// PostgreSQL only, so not in the compliance suite.
/// </summary>
public sealed class PostgresLeasingTests : OutboxComplianceTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(35);
    // The store comes from this assembly's PostgresStoreProvider, as for the compliance areas.
    private readonly ConcurrentQueue<ClaimedDelivery> _handed = new();

    private IDisposable Register() =>
        ((IDeliveryLeaseSource)Store).LeaseQueuedDeliveries("node-a", Lease, deliveries =>
        {
            foreach (var delivery in deliveries)
            {
                _handed.Enqueue(delivery);
            }
        });

    [Fact]
    public async Task AppendEvent_EngineRegistered_HandsTheDeliveryLeasedAndAsAClaimWouldReturnIt()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);
        var (automation, webhook) = await CreateAutomationAsync(organization.Id);
        using var registration = Register();

        var appended = await AppendAsync(NewEvent(organization.Id, "device.online", device.Id, """{"reason":"boot"}"""));

        var handed = Assert.Single(_handed);
        Assert.Equal(appended, handed.Event);
        Assert.Equal(webhook, handed.Webhook);
        var stored = Assert.Single(await DeliveriesAsync(organization.Id));
        Assert.Equal(stored, handed.Delivery);
        Assert.Equal(automation.Id, handed.Delivery.AutomationId);
        // Another node's claim leaves it alone while the lease runs, and takes it once it lapses.
        Assert.Empty(await ClaimAsync(owner: "node-b"));
        Assert.Equal(stored.Id, Assert.Single(await ClaimAsync(now: Time.GetUtcNow() + Lease, owner: "node-b")).Delivery.Id);
    }

    [Fact]
    public async Task AppendEvent_OrderedWebhook_IsNotLeasedAndGoesThroughClaims()
    {
        var organization = await CreateOrganizationAsync();
        await CreateAutomationAsync(organization.Id, ordered: true);
        using var registration = Register();

        var appended = await AppendAsync(NewEvent(organization.Id));

        Assert.Empty(_handed);
        Assert.Equal(appended.Id, Assert.Single(await ClaimAsync(owner: "node-b")).Event.Id);
    }

    [Fact]
    public async Task AppendEvent_UnitFailsOrEngineGone_NothingIsHandedOrLeased()
    {
        var organization = await CreateOrganizationAsync();
        await CreateAutomationAsync(organization.Id);
        var registration = Register();

        await Assert.ThrowsAsync<InvalidOperationException>(() => WriteAsync(async tx =>
        {
            await tx.AppendEventAsync(NewEvent(organization.Id));
            throw new InvalidOperationException("The unit fails after its append.");
        }));
        registration.Dispose();
        var unleased = await AppendAsync(NewEvent(organization.Id));

        Assert.Empty(_handed);
        Assert.Equal(unleased.Id, Assert.Single(await ClaimAsync(owner: "node-b")).Event.Id);
    }
}
