namespace SmartApi.Storage.Compliance;

/// <summary>The delivery log's filters by event type and time, newest-first paging, the bulk retry of failed deliveries, and attempts' request headers.</summary>
public abstract class DeliveryQueryComplianceTests : OutboxComplianceTests
{
    [Fact]
    public async Task ListDeliveries_EventTypeAndTimeFilters_NarrowToOwnMatches()
    {
        var organization = await CreateOrganizationAsync();
        var other = await CreateOrganizationAsync("Other");
        await CreateAutomationAsync(organization.Id);
        await CreateAutomationAsync(other.Id);
        var start = Time.GetUtcNow();
        for (var i = 0; i < 4; i++)
        {
            await AppendAsync(NewEvent(organization.Id, i % 2 == 0 ? "device.online" : "device.offline"));
            await AppendAsync(NewEvent(other.Id, "device.online"));
            Time.Advance(TimeSpan.FromMinutes(1));
        }
        var all = await DeliveriesAsync(organization.Id);

        Assert.Equal([all[0].Id, all[2].Id], (await DeliveriesAsync(organization.Id, new DeliveryFilter(EventType: "device.online"))).Select(d => d.Id));
        Assert.Empty(await DeliveriesAsync(organization.Id, new DeliveryFilter(EventType: "device.switched")));
        // From is inclusive, to exclusive.
        var window = new DeliveryFilter(From: start.AddMinutes(1), To: start.AddMinutes(3));
        Assert.Equal([all[1].Id, all[2].Id], (await DeliveriesAsync(organization.Id, window)).Select(d => d.Id));
        Assert.Equal([all[2].Id], (await DeliveriesAsync(organization.Id, window with { EventType = "device.online" })).Select(d => d.Id));
        Assert.Equal(all.Skip(3).Select(d => d.Id), (await DeliveriesAsync(organization.Id, new DeliveryFilter(From: start.AddMinutes(3)))).Select(d => d.Id));
        Assert.Equal([all[0].Id], (await DeliveriesAsync(organization.Id, new DeliveryFilter(To: start.AddMinutes(1)))).Select(d => d.Id));
    }

    [Fact]
    public async Task ListDeliveries_NewestFirst_PagesBackwardsWithTheCursor()
    {
        var organization = await CreateOrganizationAsync();
        await CreateAutomationAsync(organization.Id);
        for (var i = 0; i < 5; i++)
        {
            await AppendAsync(NewEvent(organization.Id, i == 2 ? "device.offline" : "device.online"));
        }
        var all = await DeliveriesAsync(organization.Id);
        var newestFirst = new DeliveryFilter(NewestFirst: true);

        var paged = await ReadAllPagesAsync(after => Store.ListDeliveriesAsync(organization.Id, newestFirst, new PageRequest(after, 2), Token), d => d.Id, 2);
        var filtered = await DeliveriesAsync(organization.Id, newestFirst with { EventType = "device.online" });

        Assert.Equal(all.Select(d => d.Id).Reverse(), paged.Select(d => d.Id));
        Assert.Equal(all.Where((_, i) => i != 2).Select(d => d.Id).Reverse(), filtered.Select(d => d.Id));
    }

    [Fact]
    public async Task RetryFailedDeliveries_QueuesMatchingFailedInBoundedBatchesAndSaysWhenMoreRemain()
    {
        var organization = await CreateOrganizationAsync();
        var other = await CreateOrganizationAsync("Other");
        var (automation, _) = await CreateAutomationAsync(organization.Id);
        var (bystander, _) = await CreateAutomationAsync(organization.Id);
        await CreateAutomationAsync(other.Id);
        for (var i = 0; i < 4; i++)
        {
            await AppendAsync(NewEvent(organization.Id, i == 3 ? "device.offline" : "device.online"));
            await AppendAsync(NewEvent(other.Id));
        }
        var own = await DeliveriesAsync(organization.Id, new DeliveryFilter(AutomationId: automation.Id));
        var theirs = await DeliveriesAsync(other.Id);
        foreach (var delivery in (await DeliveriesAsync(organization.Id)).Where(d => d.Id != own[0].Id).Concat(theirs))
        {
            await FailAsync(delivery);
        }
        await CompleteAsync(Outcome(own[0], DeliveryStatus.Succeeded, 200));
        Time.Advance(TimeSpan.FromMinutes(1));
        var now = Time.GetUtcNow();
        var filter = new DeliveryFilter(AutomationId: automation.Id, EventType: "device.online");

        var first = await WriteAsync(tx => tx.RetryFailedDeliveriesAsync(organization.Id, filter, 1, now));
        var second = await WriteAsync(tx => tx.RetryFailedDeliveriesAsync(organization.Id, filter, 1, now));
        var third = await WriteAsync(tx => tx.RetryFailedDeliveriesAsync(organization.Id, filter, 1, now));

        Assert.Equal((new RetriedDeliveries(1, true), new RetriedDeliveries(1, false), new RetriedDeliveries(0, false)), (first, second, third));
        var after = await DeliveriesAsync(organization.Id, new DeliveryFilter(AutomationId: automation.Id));
        Assert.Equal(DeliveryStatus.Succeeded, after[0].Status);
        Assert.All(after.Skip(1).Take(2), d => Assert.Equal((DeliveryStatus.Pending, now), (d.Status, d.NextAttemptAt)));
        Assert.Equal(DeliveryStatus.Failed, after[3].Status); // device.offline
        Assert.All(await DeliveriesAsync(organization.Id, new DeliveryFilter(AutomationId: bystander.Id)), d => Assert.Equal(DeliveryStatus.Failed, d.Status));
        Assert.All(await DeliveriesAsync(other.Id), d => Assert.Equal(DeliveryStatus.Failed, d.Status));
        Assert.Equal([after[1].Id, after[2].Id], (await ClaimIdsAsync()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task RetryFailedDeliveries_TimeWindowAndOtherOrganization_ReachOnlyMatches()
    {
        var organization = await CreateOrganizationAsync();
        var other = await CreateOrganizationAsync("Other");
        await CreateAutomationAsync(organization.Id);
        var start = Time.GetUtcNow();
        for (var i = 0; i < 3; i++)
        {
            await AppendAsync(NewEvent(organization.Id));
            Time.Advance(TimeSpan.FromMinutes(1));
        }
        var all = await DeliveriesAsync(organization.Id);
        foreach (var delivery in all)
        {
            await FailAsync(delivery);
        }
        var window = new DeliveryFilter(From: start.AddMinutes(1), To: start.AddMinutes(2), Status: DeliveryStatus.Succeeded);

        Assert.Equal(new RetriedDeliveries(0, false), await WriteAsync(tx => tx.RetryFailedDeliveriesAsync(other.Id, window, 100, Time.GetUtcNow())));
        Assert.Equal(new RetriedDeliveries(1, false), await WriteAsync(tx => tx.RetryFailedDeliveriesAsync(organization.Id, window, 100, Time.GetUtcNow())));

        Assert.Equal([DeliveryStatus.Failed, DeliveryStatus.Pending, DeliveryStatus.Failed], (await DeliveriesAsync(organization.Id)).Select(d => d.Status));
    }

    [Fact]
    public async Task CompleteDeliveries_RecordsRequestHeadersAsSentAndOldAttemptsReadNull()
    {
        var organization = await CreateOrganizationAsync();
        await CreateAutomationAsync(organization.Id);
        await AppendAsync(NewEvent(organization.Id));
        var delivery = Assert.Single(await ClaimAsync()).Delivery;
        const string Headers = """{"Content-Type":"application/json; charset=utf-8","X-Signature":"v=1;t=1;sig=abc","X-Token":"***"}""";
        var without = Outcome(delivery, DeliveryStatus.Pending, 500, Time.GetUtcNow().AddSeconds(5));
        var succeeded = Outcome(delivery, DeliveryStatus.Succeeded, 200, number: 2);
        var withHeaders = succeeded with { Attempt = succeeded.Attempt with { RequestHeadersJson = Headers } };

        await CompleteAsync(without);
        await CompleteAsync(withHeaders);

        var attempts = await Store.ListAttemptsAsync(delivery.Id, Token);
        Assert.Equal([null, Headers], attempts.Select(a => a.RequestHeadersJson));
    }
}
