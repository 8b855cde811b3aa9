namespace SmartApi.Storage.Compliance;

/// <summary>How a dispatcher leases due deliveries: due only, oldest first, leases, ordered webhooks.</summary>
public abstract class ClaimComplianceTests : OutboxComplianceTests
{
    [Fact]
    public async Task ClaimDeliveries_ReturnsDeliveryWithItsWebhookAndStoredEvent()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);
        var (_, webhook) = await CreateAutomationAsync(organization.Id);
        var appended = await AppendAsync(NewEvent(organization.Id, "device.online", device.Id, """{"reason":"boot"}"""));
        var queued = Assert.Single(await DeliveriesAsync(organization.Id));

        var claimed = Assert.Single(await ClaimAsync());

        Assert.Equal(queued, claimed.Delivery);
        Assert.Equal(webhook, claimed.Webhook);
        Assert.Equal(appended, claimed.Event);
    }

    [Fact]
    public async Task ClaimDeliveries_EventAppendedWhileTracing_ReturnsItsTraceParent()
    {
        var organization = await CreateOrganizationAsync();
        await CreateAutomationAsync(organization.Id);
        const string traceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        var traced = await AppendAsync(NewEvent(organization.Id) with { TraceParent = traceParent });
        var untraced = await AppendAsync(NewEvent(organization.Id));

        var claimed = await ClaimAsync();

        Assert.Equal(traceParent, traced.TraceParent);
        Assert.Null(untraced.TraceParent);
        Assert.Equal(traceParent, Assert.Single(claimed, c => c.Event.Id == traced.Id).Event.TraceParent);
        Assert.Null(Assert.Single(claimed, c => c.Event.Id == untraced.Id).Event.TraceParent);
    }

    [Fact]
    public async Task ClaimDeliveries_OnlyDueOnes()
    {
        var organization = await CreateOrganizationAsync();
        await CreateAutomationAsync(organization.Id);
        var start = Time.GetUtcNow();
        await AppendAsync(NewEvent(organization.Id));
        Time.Advance(TimeSpan.FromSeconds(10));
        await AppendAsync(NewEvent(organization.Id));
        var queued = await DeliveriesAsync(organization.Id);

        Assert.Empty(await ClaimIdsAsync(now: start.AddMilliseconds(-1)));
        Assert.Equal([queued[0].Id], await ClaimIdsAsync(now: start.AddSeconds(5)));
        Assert.Equal([queued[1].Id], await ClaimIdsAsync(now: start.AddSeconds(10)));
    }

    [Fact]
    public async Task ClaimDeliveries_AtMostLimit_OldestDueFirst()
    {
        var organization = await CreateOrganizationAsync();
        await CreateAutomationAsync(organization.Id);
        for (var i = 0; i < 5; i++)
        {
            await AppendAsync(NewEvent(organization.Id));
            Time.Advance(TimeSpan.FromSeconds(1));
        }
        var queued = await DeliveriesAsync(organization.Id);
        // The newest becomes the oldest due: a retry scheduled before the others.
        await WriteAsync(tx => tx.ReleaseDeliveriesAsync([queued[4].Id], queued[0].NextAttemptAt.AddMilliseconds(-1)));

        Assert.Equal([queued[4].Id, queued[0].Id], await ClaimIdsAsync(limit: 2));
        Assert.Equal([queued[1].Id, queued[2].Id], await ClaimIdsAsync(limit: 2));
        Assert.Equal([queued[3].Id], await ClaimIdsAsync(limit: 2));
        Assert.Empty(await ClaimIdsAsync(limit: 2));
    }

    [Fact]
    public async Task ClaimDeliveries_Leased_NotClaimedAgainUntilTheLeaseExpires()
    {
        var organization = await CreateOrganizationAsync();
        await CreateAutomationAsync(organization.Id);
        await AppendAsync(NewEvent(organization.Id));
        var start = Time.GetUtcNow();

        var first = await ClaimAsync(now: start, lease: TimeSpan.FromSeconds(30));
        var during = await ClaimAsync(now: start.AddSeconds(29), owner: "worker-2");
        var after = await ClaimAsync(now: start.AddSeconds(30), owner: "worker-2");

        Assert.Single(first);
        Assert.Empty(during);
        Assert.Equal(first[0].Delivery.Id, Assert.Single(after).Delivery.Id);
        Assert.Equal(DeliveryStatus.Pending, (await DeliveryAsync(organization.Id, first[0].Delivery.Id)).Status);
    }

    [Fact]
    public async Task ClaimDeliveries_NotPending_NeverClaimed()
    {
        var organization = await CreateOrganizationAsync();
        await CreateAutomationAsync(organization.Id);
        await AppendAsync(NewEvent(organization.Id));
        await AppendAsync(NewEvent(organization.Id));
        var queued = await DeliveriesAsync(organization.Id);

        await CompleteAsync(Outcome(queued[0], DeliveryStatus.Succeeded, 200), Outcome(queued[1], DeliveryStatus.Failed, 500));

        Assert.Empty(await ClaimIdsAsync(now: Time.GetUtcNow().AddDays(30)));
    }

    [Fact]
    public async Task ClaimDeliveries_OrderedWebhook_OnlyEarliestPendingPerDevice()
    {
        var organization = await CreateOrganizationAsync();
        var a = await CreateDeviceAsync(organization.Id);
        var b = await CreateDeviceAsync(organization.Id);
        await CreateAutomationAsync(organization.Id, ordered: true);
        var a1 = await AppendAsync(NewEvent(organization.Id, "device.online", a.Id));
        var a2 = await AppendAsync(NewEvent(organization.Id, "device.switched", a.Id));
        var b1 = await AppendAsync(NewEvent(organization.Id, "device.online", b.Id));
        var a3 = await AppendAsync(NewEvent(organization.Id, "device.offline", a.Id));

        var first = await ClaimAsync();
        Assert.Equal([a1.Id, b1.Id], first.Select(c => c.Event.Id).Order(StringComparer.Ordinal));
        var leaseGone = Time.GetUtcNow().AddMinutes(5);
        Assert.Equal([a1.Id, b1.Id], (await ClaimAsync(now: leaseGone)).Select(c => c.Event.Id).Order(StringComparer.Ordinal));

        // A retry later keeps the device's next delivery waiting.
        var da1 = first.Single(c => c.Event.Id == a1.Id).Delivery;
        await CompleteAsync(Outcome(da1, DeliveryStatus.Pending, 503, Time.GetUtcNow().AddHours(1)));
        Assert.Empty(await ClaimAsync());

        await CompleteAsync(Outcome(da1, DeliveryStatus.Succeeded, 200, number: 2));
        Assert.Equal([a2.Id], (await ClaimAsync()).Select(c => c.Event.Id));

        var da2 = Assert.Single(await DeliveriesAsync(organization.Id, new DeliveryFilter(EventId: a2.Id)));
        await FailAsync(da2);
        Assert.Equal([a3.Id], (await ClaimAsync()).Select(c => c.Event.Id));
    }

    [Fact]
    public async Task ClaimDeliveries_OrderedWebhooks_AreIndependentOfEachOther()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);
        var automation = NewAutomation(organization.Id);
        await SaveAsync(automation, [Hook(0, ordered: true), Hook(1, ordered: true), Hook(2)], Everything);
        await AppendAsync(NewEvent(organization.Id, "device.online", device.Id));
        await AppendAsync(NewEvent(organization.Id, "device.offline", device.Id));

        var claimed = await ClaimAsync();

        // Each ordered webhook gets its first; the unordered one gets both.
        Assert.Equal(4, claimed.Count);
        Assert.Equal(2, claimed.Count(c => c.Webhook.ActionIndex == 2));
        Assert.Single(claimed, c => c.Webhook.ActionIndex == 0);
        Assert.Single(claimed, c => c.Webhook.ActionIndex == 1);
    }

    [Fact]
    public async Task ClaimDeliveries_UnorderedWebhook_ClaimsAllOfADeviceAtOnce()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);
        await CreateAutomationAsync(organization.Id);
        for (var i = 0; i < 3; i++)
        {
            await AppendAsync(NewEvent(organization.Id, "device.online", device.Id));
        }

        Assert.Equal(3, (await ClaimAsync()).Count);
    }

    [Fact]
    public async Task ExtendDeliveryLeases_HolderKeepsItsDeliveriesAndLosesOnlyWhatAnotherWorkerClaimed()
    {
        var organization = await CreateOrganizationAsync();
        await CreateAutomationAsync(organization.Id);
        await AppendAsync(NewEvent(organization.Id));
        await AppendAsync(NewEvent(organization.Id));
        await AppendAsync(NewEvent(organization.Id));
        var start = Time.GetUtcNow();
        var held = (await ClaimAsync(now: start, lease: TimeSpan.FromSeconds(30))).Select(c => c.Delivery.Id).ToList();
        Assert.Equal(3, held.Count);

        // Extended at 20 s to 80 s: nobody can claim them at 30 s, when the first lease would have lapsed.
        var kept = await WriteAsync(tx => tx.ExtendDeliveryLeasesAsync("worker-1", held, start.AddSeconds(80)));
        Assert.Equal(held.Order(StringComparer.Ordinal), kept.Order(StringComparer.Ordinal));
        Assert.Empty(await ClaimAsync(now: start.AddSeconds(79), owner: "worker-2"));

        // Once lapsed, another worker's claim takes them, and the old holder's extension keeps none of them.
        var taken = await ClaimAsync(now: start.AddSeconds(80), owner: "worker-2", lease: TimeSpan.FromSeconds(30));
        Assert.Equal(3, taken.Count);
        Assert.Empty(await WriteAsync(tx => tx.ExtendDeliveryLeasesAsync("worker-1", held, start.AddSeconds(200))));
        Assert.Empty(await ClaimAsync(now: start.AddSeconds(109), owner: "worker-3"));

        // A completed delivery is no longer pending: nothing to extend.
        await CompleteAsync(Outcome(taken[0].Delivery, DeliveryStatus.Succeeded, 200));
        Assert.Equal(taken.Skip(1).Select(c => c.Delivery.Id).Order(StringComparer.Ordinal),
            (await WriteAsync(tx => tx.ExtendDeliveryLeasesAsync("worker-2", held, start.AddSeconds(200)))).Order(StringComparer.Ordinal));
        Assert.Empty(await WriteAsync(tx => tx.ExtendDeliveryLeasesAsync("worker-2", [], start.AddSeconds(200))));
    }

    [Fact]
    public async Task ReleaseDeliveries_GivesLeaseBackDueAtTheTimeGiven()
    {
        var organization = await CreateOrganizationAsync();
        await CreateAutomationAsync(organization.Id);
        await AppendAsync(NewEvent(organization.Id));
        await AppendAsync(NewEvent(organization.Id));
        var claimed = await ClaimAsync();
        var due = Time.GetUtcNow().AddSeconds(20);

        await WriteAsync(tx => tx.ReleaseDeliveriesAsync([claimed[0].Delivery.Id], due));

        Assert.Empty(await ClaimIdsAsync(now: due.AddMilliseconds(-1)));
        var released = await DeliveryAsync(organization.Id, claimed[0].Delivery.Id);
        Assert.Equal((DeliveryStatus.Pending, due, 0), (released.Status, released.NextAttemptAt, released.Attempts));
        Assert.Equal([claimed[0].Delivery.Id], await ClaimIdsAsync(now: due));
        Assert.Empty(await Store.ListAttemptsAsync(claimed[0].Delivery.Id, Token));
    }

    [Fact]
    public async Task ReleaseDeliveries_Completed_StaysCompleted()
    {
        var organization = await CreateOrganizationAsync();
        await CreateAutomationAsync(organization.Id);
        await AppendAsync(NewEvent(organization.Id));
        var delivery = Assert.Single(await ClaimAsync()).Delivery;
        await CompleteAsync(Outcome(delivery, DeliveryStatus.Succeeded, 204));

        await WriteAsync(tx => tx.ReleaseDeliveriesAsync([delivery.Id, Ids.New("dlv")], Time.GetUtcNow()));

        Assert.Equal(DeliveryStatus.Succeeded, (await DeliveryAsync(organization.Id, delivery.Id)).Status);
        Assert.Empty(await ClaimAsync());
    }
}
