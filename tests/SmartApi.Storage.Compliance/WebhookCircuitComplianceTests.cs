namespace SmartApi.Storage.Compliance;

/// <summary>A webhook's limits and shared circuit (ADR 041): saved with the automation, one probe per due time, held deliveries.</summary>
public abstract class WebhookCircuitComplianceTests : OutboxComplianceTests
{
    private static readonly WebhookLimits Limited = new(2.5, 4, 3, TimeSpan.FromSeconds(10));

    [Fact]
    public async Task SaveAutomation_StoresLimits_AndKeepsTheCircuitStateOnTheNextSave()
    {
        var organization = await CreateOrganizationAsync();
        var automation = NewAutomation(organization.Id);
        await SaveAsync(automation, [Hook() with { Limits = Limited }], Everything);
        var webhook = Assert.Single(await Store.ListWebhooksAsync(automation.Id, Token));
        var circuit = Assert.Single(await Store.ListWebhookCircuitsAsync([webhook.Id], Token));
        Assert.Equal(new WebhookCircuit(webhook.Id, Limited, CircuitState.Closed, 0, null, null), circuit);

        var opened = circuit with { State = CircuitState.Open, FailureStreak = 3, NextProbeAt = Time.GetUtcNow().AddSeconds(10), ChangedAt = Time.GetUtcNow() };
        await WriteAsync(tx => tx.SaveWebhookCircuitStateAsync(opened));
        // Saving the automation again (other limits, same action) does not hide a dead receiver.
        await SaveAsync(automation, [Hook()], Everything);

        Assert.Equal(opened with { Limits = WebhookLimits.Default }, Assert.Single(await Store.ListWebhookCircuitsAsync([webhook.Id], Token)));
    }

    [Fact]
    public async Task LockWebhookCircuits_ReadsOnlyTheGivenWebhooks()
    {
        var organization = await CreateOrganizationAsync();
        var (_, first) = await CreateAutomationAsync(organization.Id);
        var (_, second) = await CreateAutomationAsync(organization.Id);
        await CreateAutomationAsync(organization.Id);

        var locked = await WriteAsync(tx => tx.LockWebhookCircuitsAsync([second.Id, first.Id, "whk_missing"]));

        Assert.Equal(new[] { first.Id, second.Id }.Order(StringComparer.Ordinal), locked.Select(c => c.WebhookId));
        Assert.All(locked, c => Assert.Equal(WebhookLimits.Default, c.Limits));
    }

    [Fact]
    public async Task TakeWebhookProbe_OnceWhenDue_NeverWhileClosed()
    {
        var organization = await CreateOrganizationAsync();
        var (_, webhook) = await CreateAutomationAsync(organization.Id);
        var now = Time.GetUtcNow();
        Assert.False(await WriteAsync(tx => tx.TakeWebhookProbeAsync(webhook.Id, now, now.AddSeconds(30))));

        var circuit = Assert.Single(await Store.ListWebhookCircuitsAsync([webhook.Id], Token));
        await WriteAsync(tx => tx.SaveWebhookCircuitStateAsync(circuit with { State = CircuitState.Open, FailureStreak = 5, NextProbeAt = now.AddSeconds(30) }));

        Assert.False(await WriteAsync(tx => tx.TakeWebhookProbeAsync(webhook.Id, now.AddSeconds(29), now.AddSeconds(59))));
        Assert.True(await WriteAsync(tx => tx.TakeWebhookProbeAsync(webhook.Id, now.AddSeconds(30), now.AddSeconds(60))));
        Assert.False(await WriteAsync(tx => tx.TakeWebhookProbeAsync(webhook.Id, now.AddSeconds(31), now.AddSeconds(61))));
        var probing = Assert.Single(await Store.ListWebhookCircuitsAsync([webhook.Id], Token));
        Assert.Equal((CircuitState.HalfOpen, 5, now.AddSeconds(60)), (probing.State, probing.FailureStreak, probing.NextProbeAt));
        // A probe whose worker died: the next one is due an interval later.
        Assert.True(await WriteAsync(tx => tx.TakeWebhookProbeAsync(webhook.Id, now.AddSeconds(60), now.AddSeconds(90))));
    }

    [Fact]
    public async Task ReleaseDeliveries_WithAReason_ShowsItUntilTheNextAttempt()
    {
        var organization = await CreateOrganizationAsync();
        await CreateAutomationAsync(organization.Id);
        await AppendAsync(NewEvent(organization.Id));
        var delivery = Assert.Single(await ClaimAsync()).Delivery;
        var due = Time.GetUtcNow().AddSeconds(30);

        await WriteAsync(tx => tx.ReleaseDeliveriesAsync([delivery.Id], due, HeldReason.CircuitOpen));

        var held = await DeliveryAsync(organization.Id, delivery.Id);
        Assert.Equal((DeliveryStatus.Pending, due, 0, HeldReason.CircuitOpen), (held.Status, held.NextAttemptAt, held.Attempts, held.HeldReason));
        Assert.Empty(await Store.ListAttemptsAsync(delivery.Id, Token));
        var claimed = Assert.Single(await ClaimAsync(now: due)).Delivery;
        Assert.Equal(HeldReason.CircuitOpen, claimed.HeldReason);

        await CompleteAsync(Outcome(claimed, DeliveryStatus.Succeeded, 200));

        Assert.Null((await DeliveryAsync(organization.Id, delivery.Id)).HeldReason);
    }

    [Fact]
    public async Task RetryDelivery_OfAHeldDelivery_ClearsTheHeldReason_AndSoDoesFailingItWithItsWebhook()
    {
        var organization = await CreateOrganizationAsync();
        var (_, webhook) = await CreateAutomationAsync(organization.Id);
        await AppendAsync(NewEvent(organization.Id));
        await AppendAsync(NewEvent(organization.Id));
        var claimed = (await ClaimAsync()).Select(c => c.Delivery.Id).ToList();
        await WriteAsync(tx => tx.ReleaseDeliveriesAsync(claimed, Time.GetUtcNow().AddSeconds(30), HeldReason.CircuitOpen));

        // Queued by hand: it waits for nothing now, so the log must not say it is held.
        Assert.True(await WriteAsync(tx => tx.RetryDeliveryAsync(organization.Id, claimed[0], Time.GetUtcNow())));
        var retried = await DeliveryAsync(organization.Id, claimed[0]);
        Assert.Equal((DeliveryStatus.Pending, (string?)null), (retried.Status, retried.HeldReason));
        Assert.Equal(HeldReason.CircuitOpen, (await DeliveryAsync(organization.Id, claimed[1])).HeldReason);

        // Failed without an attempt when the webhook is disabled: held no more, also after a retry of it.
        await WriteAsync(tx => tx.ReleaseDeliveriesAsync([claimed[0]], Time.GetUtcNow().AddSeconds(30), HeldReason.RateLimit));
        Assert.True(await WriteAsync(tx => tx.DisableWebhookAsync(webhook.Id, "gone", Time.GetUtcNow())));
        foreach (var id in claimed)
        {
            var failed = await DeliveryAsync(organization.Id, id);
            Assert.Equal((DeliveryStatus.Failed, (string?)null), (failed.Status, failed.HeldReason));
        }
    }
}
