using System.Collections.Concurrent;

namespace SmartApi.Storage.Compliance;

/// <summary>
/// Deliveries handed to this node's engine at their commit, already leased (<see cref="IDeliveryLeaseSource"/>):
/// what an append hands over, that a claim leaves it alone while the lease holds, and takes it once it lapses.
/// </summary>
public abstract class HandOffComplianceTests : OutboxComplianceTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(35);
    private readonly ConcurrentQueue<ClaimedDelivery> _handed = new();
    private int _dispatches;

    private IDisposable Register(Func<bool>? hasRoom = null) =>
        Store.LeaseQueuedDeliveries("node-a", Lease, deliveries =>
        {
            Interlocked.Increment(ref _dispatches);
            foreach (var delivery in deliveries)
            {
                _handed.Enqueue(delivery);
            }
        }, hasRoom);

    [Fact]
    public async Task AppendEvent_EngineRegistered_HandsTheDeliveryLeasedAndAsAClaimWouldReturnIt()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);
        var (automation, webhook) = await CreateAutomationAsync(organization.Id);
        using var registration = Register();

        var appended = await AppendAsync(NewEvent(organization.Id, "device.online", device.Id, """{"reason":"boot 🚀"}"""));

        var handed = Assert.Single(_handed);
        Assert.Equal(appended, handed.Event);
        Assert.Equal(await Store.GetEventAsync(organization.Id, appended.Id, Token), handed.Event);
        Assert.Equal(webhook, handed.Webhook);
        var stored = Assert.Single(await DeliveriesAsync(organization.Id));
        Assert.Equal(stored, handed.Delivery);
        Assert.Equal(automation.Id, handed.Delivery.AutomationId);
        // Another owner's claim leaves it alone while the lease runs, and takes it once it lapses.
        Assert.Empty(await ClaimAsync(owner: "node-b"));
        Assert.Empty(await ClaimAsync(now: Time.GetUtcNow() + Lease - TimeSpan.FromMilliseconds(1), owner: "node-b"));
        Assert.Equal(stored.Id, Assert.Single(await ClaimAsync(now: Time.GetUtcNow() + Lease, owner: "node-b")).Delivery.Id);
    }

    [Fact]
    public async Task AppendEvents_OneUnit_HandsEveryDeliveryInOneDispatchAndAnnouncesNoneOfThem()
    {
        var organization = await CreateOrganizationAsync();
        var automation = NewAutomation(organization.Id);
        await SaveAsync(automation, [Hook(0), Hook(1, url: "https://crm.example.com/in")], Everything);
        using var registration = Register();
        var commits = new ConcurrentQueue<StoreCommit>();
        Store.Committed += commits.Enqueue;
        try
        {
            var first = NewEvent(organization.Id);
            var second = NewEvent(organization.Id, "device.offline");
            await WriteAsync(async tx =>
            {
                await tx.AppendEventAsync(first);
                await tx.AppendEventAsync(second);
            });

            Assert.Equal(1, _dispatches);
            Assert.Equal([(first.Id, 0), (first.Id, 1), (second.Id, 0), (second.Id, 1)],
                _handed.Select(h => (h.Event.Id, h.Webhook.ActionIndex)));
            // Nothing for a claim to find: the commit wakes no engine for them.
            var commit = Assert.Single(commits);
            Assert.Equal((2, 0), (commit.EventsAppended, commit.DeliveriesQueued));
            Assert.Empty(await ClaimAsync(owner: "node-b"));
        }
        finally
        {
            Store.Committed -= commits.Enqueue;
        }
    }

    [Fact]
    public async Task AppendEvent_EngineWithoutRoom_IsNotLeasedAndGoesThroughClaims_UntilItHasRoomAgain()
    {
        var organization = await CreateOrganizationAsync();
        await CreateAutomationAsync(organization.Id);
        var room = false;
        using var registration = Register(() => Volatile.Read(ref room));
        var commits = new ConcurrentQueue<StoreCommit>();
        Store.Committed += commits.Enqueue;
        StoredEvent waiting;
        try
        {
            waiting = await AppendAsync(NewEvent(organization.Id));
        }
        finally
        {
            Store.Committed -= commits.Enqueue;
        }

        Assert.Empty(_handed);
        // Announced, so the engine claims it once sends have freed room.
        Assert.Equal(1, Assert.Single(commits).DeliveriesQueued);
        Assert.Equal(waiting.Id, Assert.Single(await ClaimAsync(owner: "node-a")).Event.Id);

        Volatile.Write(ref room, true);
        var handed = await AppendAsync(NewEvent(organization.Id));

        Assert.Equal(handed.Id, Assert.Single(_handed).Event.Id);
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

    [Fact]
    public async Task AppendEvents_UnitsOfOneBatch_OnlyTheCommittedOnesAreHanded()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);
        await CreateAutomationAsync(organization.Id);
        using var registration = Register();
        var kept = Enumerable.Range(0, 8).Select(_ => NewEvent(organization.Id)).ToArray();
        var lost = NewEvent(organization.Id, "device.offline");

        // Queued together, so the writer batches them: the failing unit rolls back alone, after its
        // append was written (the device read that follows it writes PostgreSQL's buffered appends).
        var units = kept.Select(e => AppendAsync(e)).ToList();
        var failing = WriteAsync(async tx =>
        {
            await tx.AppendEventAsync(lost);
            await tx.GetDeviceAsync(organization.Id, device.Id);
            throw new InvalidOperationException("The unit fails after its append was written.");
        });
        await Task.WhenAll(units);
        await Assert.ThrowsAsync<InvalidOperationException>(() => failing);

        Assert.Equal(kept.Select(e => e.Id).Order(StringComparer.Ordinal), _handed.Select(h => h.Event.Id).Order(StringComparer.Ordinal));
        Assert.Equal(kept.Length, (await DeliveriesAsync(organization.Id)).Count);
    }

    [Fact]
    public async Task AppendEvent_WebhookChangedSinceTheLastHandOff_HandsTheWebhookAsItIsNow()
    {
        var organization = await CreateOrganizationAsync();
        await CreateAutomationAsync(organization.Id);
        using var registration = Register();
        await AppendAsync(NewEvent(organization.Id));
        var first = Assert.Single(_handed);
        Assert.Null(first.Webhook.FailingSince);

        // The receiver fails: failing_since is set, by the outcome's own statement.
        Time.Advance(TimeSpan.FromSeconds(1));
        await CompleteAsync(Outcome(first.Delivery, DeliveryStatus.Pending, 503, Time.GetUtcNow().AddMinutes(1)));
        var failingSince = Time.GetUtcNow();
        await AppendAsync(NewEvent(organization.Id));
        Assert.Equal(failingSince, _handed.Last().Webhook.FailingSince);
        Assert.Equal(_handed.Last().Webhook, Assert.Single(await Store.ListWebhooksAsync(first.Webhook.AutomationId, Token)));

        // And it recovers.
        await CompleteAsync(Outcome(first.Delivery, DeliveryStatus.Succeeded, 200, number: 2));
        await AppendAsync(NewEvent(organization.Id));
        Assert.Null(_handed.Last().Webhook.FailingSince);
    }
}
