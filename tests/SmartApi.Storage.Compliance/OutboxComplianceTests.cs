namespace SmartApi.Storage.Compliance;

/// <summary>
/// Helpers shared by the automation, matching, claim and delivery areas: automations with webhooks
/// and subscriptions, and the outbox operations a dispatcher performs.
/// </summary>
public abstract class OutboxComplianceTests : StorageComplianceTests
{
    protected const string Url = "https://erp.example.com/smart";

    protected static readonly Subscription[] Everything = [new("*", null)];

    protected static WebhookDefinition Hook(int index = 0, string url = Url, bool ordered = false, string headersJson = "{}", bool standard = false) =>
        new(index, url, headersJson, ordered, standard);

    protected Automation NewAutomation(string organizationId, bool enabled = true, string name = "Forward to ERP")
    {
        var now = Time.GetUtcNow();
        return new Automation(Ids.New("aut"), organizationId, name, enabled, """{"trigger":{"events":["*"]}}""", now, now);
    }

    protected Task SaveAsync(Automation automation, IReadOnlyList<WebhookDefinition> webhooks, IReadOnlyList<Subscription> subscriptions) =>
        WriteAsync(tx => tx.SaveAutomationAsync(automation, webhooks, subscriptions));

    /// <summary>An automation with one webhook (action 0) listening to <paramref name="subscriptions"/> (everything by default).</summary>
    protected async Task<(Automation Automation, Webhook Webhook)> CreateAutomationAsync(
        string organizationId, IReadOnlyList<Subscription>? subscriptions = null, bool ordered = false, bool enabled = true)
    {
        var automation = NewAutomation(organizationId, enabled);
        await SaveAsync(automation, [Hook(ordered: ordered)], subscriptions ?? Everything);
        return (automation, Assert.Single(await Store.ListWebhooksAsync(automation.Id, Token)));
    }

    /// <summary>Every delivery of the organization matching the filter, across pages.</summary>
    protected Task<List<Delivery>> DeliveriesAsync(string organizationId, DeliveryFilter? filter = null) =>
        ReadAllPagesAsync(after => Store.ListDeliveriesAsync(organizationId, filter ?? new DeliveryFilter(), new PageRequest(after, 50), Token), d => d.Id, 50);

    protected async Task<Delivery> DeliveryAsync(string organizationId, string id) =>
        await Store.GetDeliveryAsync(organizationId, id, Token) ?? throw new InvalidOperationException($"Delivery {id} not found.");

    /// <summary>Claims at <paramref name="now"/> (the fake clock by default) with a 60 s lease.</summary>
    protected Task<IReadOnlyList<ClaimedDelivery>> ClaimAsync(int limit = 100, DateTimeOffset? now = null, TimeSpan? lease = null, string owner = "worker-1")
    {
        var at = now ?? Time.GetUtcNow();
        return WriteAsync(tx => tx.ClaimDeliveriesAsync(owner, at, at + (lease ?? TimeSpan.FromSeconds(60)), limit));
    }

    protected async Task<List<string>> ClaimIdsAsync(int limit = 100, DateTimeOffset? now = null) =>
        [.. (await ClaimAsync(limit, now)).Select(c => c.Delivery.Id)];

    protected DeliveryOutcome Outcome(Delivery delivery, string status, int? statusCode, DateTimeOffset? nextAttemptAt = null, int number = 1, string? error = null)
    {
        var now = Time.GetUtcNow();
        var attempt = new DeliveryAttempt(delivery.Id, number, now, statusCode, 120, error, statusCode is null ? null : "body " + statusCode);
        var succeeded = status == DeliveryStatus.Succeeded;
        return new DeliveryOutcome(delivery.Id, attempt, status, nextAttemptAt ?? now, delivery.WebhookId, succeeded);
    }

    protected Task CompleteAsync(params DeliveryOutcome[] outcomes)
    {
        var now = Time.GetUtcNow();
        return WriteAsync(tx => tx.CompleteDeliveriesAsync(outcomes, now));
    }

    /// <summary>Completes the delivery as finally failed (one attempt answered 500).</summary>
    protected Task FailAsync(Delivery delivery) =>
        CompleteAsync(Outcome(delivery, DeliveryStatus.Failed, 500, error: "HTTP 500"));
}
