namespace SmartApi.Storage.Compliance;

/// <summary>What happens to deliveries after a claim: attempts, retries, disabling, recovery, and how they are read.</summary>
public abstract class DeliveryComplianceTests : OutboxComplianceTests
{
    [Fact]
    public async Task CompleteDeliveries_RecordsAttemptsAndMovesStatus()
    {
        var organization = await CreateOrganizationAsync();
        await CreateAutomationAsync(organization.Id);
        await AppendAsync(NewEvent(organization.Id));
        var delivery = Assert.Single(await ClaimAsync(lease: TimeSpan.FromMinutes(10))).Delivery;
        var retryAt = Time.GetUtcNow().AddSeconds(5);

        var first = Outcome(delivery, DeliveryStatus.Pending, 503, retryAt, error: "HTTP 503");
        await CompleteAsync(first);
        var retrying = await DeliveryAsync(organization.Id, delivery.Id);
        // The lease is gone: the retry is claimable when due, long before the 10 minute lease would end.
        Assert.Empty(await ClaimIdsAsync(now: retryAt.AddMilliseconds(-1)));
        Assert.Equal([delivery.Id], await ClaimIdsAsync(now: retryAt));
        Time.Advance(TimeSpan.FromSeconds(5));
        var second = Outcome(delivery, DeliveryStatus.Succeeded, 200, number: 2);
        await CompleteAsync(second);
        var succeeded = await DeliveryAsync(organization.Id, delivery.Id);

        Assert.Equal((DeliveryStatus.Pending, 1, retryAt, 503, "HTTP 503"),
            (retrying.Status, retrying.Attempts, retrying.NextAttemptAt, retrying.LastStatusCode, retrying.LastError));
        Assert.Equal((DeliveryStatus.Succeeded, 2, 200, (string?)null), (succeeded.Status, succeeded.Attempts, succeeded.LastStatusCode, succeeded.LastError));
        Assert.Equal(Time.GetUtcNow(), succeeded.UpdatedAt);
        Assert.Equal([first.Attempt, second.Attempt], await Store.ListAttemptsAsync(delivery.Id, Token));
        Assert.Equal(0, await Store.CountPendingDeliveriesAsync(Token));
    }

    [Fact]
    public async Task CompleteDeliveries_FinalFailure_MarksFailedWithConnectionError()
    {
        var organization = await CreateOrganizationAsync();
        await CreateAutomationAsync(organization.Id);
        await AppendAsync(NewEvent(organization.Id));
        var delivery = Assert.Single(await ClaimAsync()).Delivery;

        var outcome = Outcome(delivery, DeliveryStatus.Failed, null, number: 8, error: "Connection refused");
        await CompleteAsync(outcome);

        var failed = await DeliveryAsync(organization.Id, delivery.Id);
        Assert.Equal((DeliveryStatus.Failed, 8, (int?)null, "Connection refused"), (failed.Status, failed.Attempts, failed.LastStatusCode, failed.LastError));
        Assert.Equal([outcome.Attempt], await Store.ListAttemptsAsync(delivery.Id, Token));
        Assert.Empty(await ClaimAsync(now: Time.GetUtcNow().AddDays(1)));
    }

    [Fact]
    public async Task CompleteDeliveries_Failures_SetFailingSinceOnceAndSuccessClearsIt()
    {
        var organization = await CreateOrganizationAsync();
        var (automation, _) = await CreateAutomationAsync(organization.Id);
        for (var i = 0; i < 3; i++)
        {
            await AppendAsync(NewEvent(organization.Id));
        }
        var queued = await DeliveriesAsync(organization.Id);
        var firstFailure = Time.GetUtcNow();

        await CompleteAsync(Outcome(queued[0], DeliveryStatus.Pending, 500, firstFailure.AddSeconds(5)));
        var afterFirst = Assert.Single(await Store.ListWebhooksAsync(automation.Id, Token));
        Time.Advance(TimeSpan.FromHours(2));
        await CompleteAsync(Outcome(queued[1], DeliveryStatus.Failed, 500));
        var afterSecond = Assert.Single(await Store.ListWebhooksAsync(automation.Id, Token));
        Time.Advance(TimeSpan.FromHours(1));
        await CompleteAsync(Outcome(queued[2], DeliveryStatus.Succeeded, 200));
        var afterSuccess = Assert.Single(await Store.ListWebhooksAsync(automation.Id, Token));
        await CompleteAsync(Outcome(queued[0], DeliveryStatus.Pending, 500, Time.GetUtcNow().AddSeconds(5), number: 2));
        var failingAgain = Assert.Single(await Store.ListWebhooksAsync(automation.Id, Token));

        Assert.Equal(firstFailure, afterFirst.FailingSince);
        Assert.Equal(firstFailure, afterSecond.FailingSince);
        Assert.Null(afterSuccess.FailingSince);
        Assert.Equal(Time.GetUtcNow(), failingAgain.FailingSince);
        Assert.Equal(WebhookStatus.Active, failingAgain.Status);
    }

    [Fact]
    public async Task CompleteDeliveries_AutomationDeletedWhileInFlight_RecordsTheOthers()
    {
        var organization = await CreateOrganizationAsync();
        var (deleted, _) = await CreateAutomationAsync(organization.Id);
        var (kept, _) = await CreateAutomationAsync(organization.Id);
        await AppendAsync(NewEvent(organization.Id));
        var claimed = await ClaimAsync();
        await WriteAsync(tx => tx.DeleteAutomationAsync(organization.Id, deleted.Id));

        await CompleteAsync([.. claimed.Select(c => Outcome(c.Delivery, DeliveryStatus.Succeeded, 200))]);

        var survivor = claimed.Single(c => c.Delivery.AutomationId == kept.Id).Delivery;
        Assert.Equal(DeliveryStatus.Succeeded, (await DeliveryAsync(organization.Id, survivor.Id)).Status);
        Assert.Single(await Store.ListAttemptsAsync(survivor.Id, Token));
        var gone = claimed.Single(c => c.Delivery.AutomationId == deleted.Id).Delivery;
        Assert.Null(await Store.GetDeliveryAsync(organization.Id, gone.Id, Token));
        Assert.Empty(await Store.ListAttemptsAsync(gone.Id, Token));
    }

    [Fact]
    public async Task DisableWebhook_FailsPendingDeliveriesOnceAndReturnsFalseAfter()
    {
        var organization = await CreateOrganizationAsync();
        var (automation, webhook) = await CreateAutomationAsync(organization.Id);
        var (_, bystander) = await CreateAutomationAsync(organization.Id);
        await AppendAsync(NewEvent(organization.Id));
        await AppendAsync(NewEvent(organization.Id));
        var own = await DeliveriesAsync(organization.Id, new DeliveryFilter(AutomationId: automation.Id));
        await CompleteAsync(Outcome(own[0], DeliveryStatus.Succeeded, 200));
        await ClaimAsync();

        Assert.True(await WriteAsync(tx => tx.DisableWebhookAsync(webhook.Id, "gone", Time.GetUtcNow())));
        Assert.False(await WriteAsync(tx => tx.DisableWebhookAsync(webhook.Id, "failing", Time.GetUtcNow())));
        Assert.False(await WriteAsync(tx => tx.DisableWebhookAsync(Ids.New("whk"), "gone", Time.GetUtcNow())));

        Assert.Equal(DeliveryStatus.Succeeded, (await DeliveryAsync(organization.Id, own[0].Id)).Status);
        var failed = await DeliveryAsync(organization.Id, own[1].Id);
        Assert.Equal(DeliveryStatus.Failed, failed.Status);
        Assert.NotNull(failed.LastError);
        var disabled = Assert.Single(await Store.ListWebhooksAsync(automation.Id, Token));
        Assert.Equal((WebhookStatus.Disabled, "gone"), (disabled.Status, disabled.DisabledReason));
        Assert.All(await DeliveriesAsync(organization.Id, new DeliveryFilter(AutomationId: bystander.AutomationId)), d => Assert.Equal(DeliveryStatus.Pending, d.Status));
        Assert.Equal(2, await Store.CountPendingDeliveriesAsync(Token));
    }

    [Fact]
    public async Task RetryDelivery_AnyStatus_PendingNowAndClaimable()
    {
        var organization = await CreateOrganizationAsync();
        var other = await CreateOrganizationAsync("Other");
        await CreateAutomationAsync(organization.Id);
        for (var i = 0; i < 3; i++)
        {
            await AppendAsync(NewEvent(organization.Id));
        }
        var queued = await DeliveriesAsync(organization.Id);
        await ClaimAsync(lease: TimeSpan.FromHours(1));
        await CompleteAsync(Outcome(queued[0], DeliveryStatus.Succeeded, 200), Outcome(queued[1], DeliveryStatus.Failed, 500));
        Time.Advance(TimeSpan.FromMinutes(1));
        var now = Time.GetUtcNow();

        Assert.False(await WriteAsync(tx => tx.RetryDeliveryAsync(other.Id, queued[1].Id, now)));
        Assert.Equal(DeliveryStatus.Failed, (await DeliveryAsync(organization.Id, queued[1].Id)).Status);
        Assert.False(await WriteAsync(tx => tx.RetryDeliveryAsync(organization.Id, Ids.New("dlv"), now)));
        foreach (var delivery in queued)
        {
            Assert.True(await WriteAsync(tx => tx.RetryDeliveryAsync(organization.Id, delivery.Id, now)));
        }

        foreach (var delivery in queued)
        {
            var retried = await DeliveryAsync(organization.Id, delivery.Id);
            Assert.Equal((DeliveryStatus.Pending, now), (retried.Status, retried.NextAttemptAt));
        }
        // queued[2] was still leased for an hour: retrying sends it now all the same.
        Assert.Equal(queued.Select(d => d.Id), (await ClaimIdsAsync()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task RecoverDeliveries_RequeuesFailedOfThatAutomationSinceWithinLimit()
    {
        var organization = await CreateOrganizationAsync();
        var other = await CreateOrganizationAsync("Other");
        var (automation, _) = await CreateAutomationAsync(organization.Id);
        var (bystander, _) = await CreateAutomationAsync(organization.Id);
        await AppendAsync(NewEvent(organization.Id));
        Time.Advance(TimeSpan.FromHours(1));
        var since = Time.GetUtcNow();
        for (var i = 0; i < 4; i++)
        {
            await AppendAsync(NewEvent(organization.Id));
        }
        var own = await DeliveriesAsync(organization.Id, new DeliveryFilter(AutomationId: automation.Id));
        foreach (var delivery in (await DeliveriesAsync(organization.Id)).Where(d => d.Id != own[4].Id))
        {
            await FailAsync(delivery);
        }
        await CompleteAsync(Outcome(own[4], DeliveryStatus.Succeeded, 200));
        Time.Advance(TimeSpan.FromMinutes(1));
        var now = Time.GetUtcNow();

        Assert.Equal(0, await WriteAsync(tx => tx.RecoverDeliveriesAsync(other.Id, automation.Id, since, 100, now)));
        Assert.Equal(2, await WriteAsync(tx => tx.RecoverDeliveriesAsync(organization.Id, automation.Id, since, 2, now)));
        Assert.Equal(1, await WriteAsync(tx => tx.RecoverDeliveriesAsync(organization.Id, automation.Id, since, 100, now)));
        Assert.Equal(0, await WriteAsync(tx => tx.RecoverDeliveriesAsync(organization.Id, automation.Id, since, 100, now)));

        var after = await DeliveriesAsync(organization.Id, new DeliveryFilter(AutomationId: automation.Id));
        Assert.Equal(DeliveryStatus.Failed, after[0].Status);
        Assert.All(after.Skip(1).Take(3), d => Assert.Equal((DeliveryStatus.Pending, now), (d.Status, d.NextAttemptAt)));
        Assert.Equal(DeliveryStatus.Succeeded, after[4].Status);
        Assert.All(await DeliveriesAsync(organization.Id, new DeliveryFilter(AutomationId: bystander.Id)), d => Assert.Equal(DeliveryStatus.Failed, d.Status));
        Assert.Equal(3, (await ClaimAsync()).Count);
    }

    [Fact]
    public async Task ListDeliveries_FiltersAndPaging_ReturnOwnMatchesInIdOrder()
    {
        var organization = await CreateOrganizationAsync();
        var other = await CreateOrganizationAsync("Other");
        var (first, _) = await CreateAutomationAsync(organization.Id);
        var (second, _) = await CreateAutomationAsync(organization.Id, [new("device.online", null)]);
        await CreateAutomationAsync(other.Id);
        var events = new List<StoredEvent>();
        for (var i = 0; i < 4; i++)
        {
            events.Add(await AppendAsync(NewEvent(organization.Id, i % 2 == 0 ? "device.online" : "device.offline")));
            await AppendAsync(NewEvent(other.Id));
        }
        var all = await DeliveriesAsync(organization.Id);
        await FailAsync(all[0]);
        await CompleteAsync(Outcome(all[1], DeliveryStatus.Succeeded, 200));

        var paged = await ReadAllPagesAsync(after => Store.ListDeliveriesAsync(organization.Id, new DeliveryFilter(), new PageRequest(after, 2), Token), d => d.Id, 2);
        Assert.Equal(6, all.Count);
        Assert.Equal(all.Select(d => d.Id).Order(StringComparer.Ordinal), all.Select(d => d.Id));
        Assert.Equal(all.Select(d => d.Id), paged.Select(d => d.Id));
        Assert.Equal(4, (await DeliveriesAsync(organization.Id, new DeliveryFilter(AutomationId: first.Id))).Count);
        Assert.Equal(2, (await DeliveriesAsync(organization.Id, new DeliveryFilter(AutomationId: second.Id))).Count);
        Assert.Equal(2, (await DeliveriesAsync(organization.Id, new DeliveryFilter(EventId: events[0].Id))).Count);
        Assert.Equal([all[0].Id], (await DeliveriesAsync(organization.Id, new DeliveryFilter(Status: DeliveryStatus.Failed))).Select(d => d.Id));
        Assert.Equal([all[1].Id], (await DeliveriesAsync(organization.Id, new DeliveryFilter(Status: DeliveryStatus.Succeeded))).Select(d => d.Id));
        Assert.Equal(4, (await DeliveriesAsync(organization.Id, new DeliveryFilter(Status: DeliveryStatus.Pending))).Count);
        var both = await DeliveriesAsync(organization.Id, new DeliveryFilter(second.Id, events[2].Id, DeliveryStatus.Pending));
        Assert.Equal((second.Id, events[2].Id), (Assert.Single(both).AutomationId, both[0].EventId));
        Assert.Empty(await DeliveriesAsync(organization.Id, new DeliveryFilter(AutomationId: first.Id, Status: "unknown")));
        Assert.Equal(8, await Store.CountPendingDeliveriesAsync(Token));
    }

    [Fact]
    public async Task GetDelivery_OtherOrganizationOrUnknown_ReturnsNull()
    {
        var owner = await CreateOrganizationAsync("Owner");
        var other = await CreateOrganizationAsync("Other");
        await CreateAutomationAsync(owner.Id);
        await AppendAsync(NewEvent(owner.Id));
        var delivery = Assert.Single(await DeliveriesAsync(owner.Id));

        Assert.Equal(delivery, await Store.GetDeliveryAsync(owner.Id, delivery.Id, Token));
        Assert.Null(await Store.GetDeliveryAsync(other.Id, delivery.Id, Token));
        Assert.Null(await Store.GetDeliveryAsync(owner.Id, Ids.New("dlv"), Token));
        Assert.Empty(await DeliveriesAsync(other.Id));
        Assert.Empty(await Store.ListAttemptsAsync(delivery.Id, Token));
    }
}
