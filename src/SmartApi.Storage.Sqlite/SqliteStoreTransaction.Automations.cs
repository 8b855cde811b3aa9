using SmartApi.Storage.Routing;

namespace SmartApi.Storage.Sqlite;

internal sealed partial class SqliteStoreTransaction
{
    /// <summary>Deliveries queued in this transaction (the writer announces them after commit).</summary>
    public int QueuedDeliveries { get; private set; }

    /// <summary>Forgets deliveries queued since <paramref name="count"/> was read: their unit rolled back to its savepoint.</summary>
    public void RollBackQueuedDeliveries(int count) => QueuedDeliveries = count;

    /// <summary>
    /// Writes the deliveries and pending runs <see cref="EventRouter"/> finds for an appended event
    /// (deliveries first). An event nothing subscribes to costs two dictionary lookups.
    /// </summary>
    private async ValueTask RouteAsync(NewEvent newEvent, long position, string data)
    {
        var snapshot = await subscriptionIndex.GetAsync(transaction);
        if (newEvent.TargetAutomationId is null && !snapshot.MayMatch(newEvent.OrganizationId, newEvent.Type))
        {
            return;
        }
        var deliveries = subscriptionIndex.Deliveries;
        var runs = subscriptionIndex.Runs;
        deliveries.Clear();
        runs.Clear();
        EventRouter.Route(snapshot, 0, newEvent.OrganizationId, newEvent.Type, newEvent.DeviceId, newEvent.TargetAutomationId, deliveries, runs);
        var at = Ms.Of(newEvent.CreatedAt);
        foreach (var match in deliveries)
        {
            await QueueRoutedDeliveryAsync(newEvent, position, data, match, at);
        }
        foreach (var run in runs)
        {
            await InsertRunAsync(new AutomationRun(Ids.New("run"), newEvent.OrganizationId, run.AutomationId, RunStatus.Pending, RuleKind.Event,
                newEvent.Id, "{}", newEvent.CreatedAt, null, null, newEvent.CreatedAt, null));
        }
    }

    public async ValueTask<IReadOnlyList<ClaimedDelivery>> ClaimDeliveriesAsync(string owner, DateTimeOffset now, DateTimeOffset leaseUntil, int limit)
    {
        var deliveries = (await Command(Sql.ClaimDeliveries)
            .With("@owner", owner).With("@now", Ms.Of(now)).With("@leaseUntil", Ms.Of(leaseUntil)).With("@limit", limit)
            .ListAsync<DeliveryRow>()).Select(r => r.ToEntity()).ToList();
        if (deliveries.Count == 0)
        {
            return [];
        }
        // The id lists travel as JSON arrays: one prepared statement whatever the batch size.
        var webhooks = (await Command(Sql.GetWebhooksByIds).With("@ids", IdList(deliveries.Select(d => d.WebhookId).Distinct()))
            .ListAsync<WebhookRow>()).ToDictionary(w => w.Id, w => w.ToEntity());
        var events = (await Command(Sql.GetEventsByIds).With("@ids", IdList(deliveries.Select(d => d.EventId).Distinct()))
            .ListAsync<EventRow>()).ToDictionary(e => e.Id, e => e.ToEntity());
        var claimed = new List<ClaimedDelivery>(deliveries.Count);
        foreach (var delivery in deliveries.OrderBy(d => d.NextAttemptAt))
        {
            if (webhooks.TryGetValue(delivery.WebhookId, out var webhook) && events.TryGetValue(delivery.EventId, out var stored))
            {
                claimed.Add(new ClaimedDelivery(delivery, webhook, stored));
            }
        }
        return claimed;
    }

    public async ValueTask CompleteDeliveriesAsync(IReadOnlyList<DeliveryOutcome> outcomes, DateTimeOffset now)
    {
        var at = Ms.Of(now);
        foreach (var outcome in outcomes)
        {
            var attempt = outcome.Attempt;
            await Command(Sql.InsertAttempt)
                .With("@delivery", outcome.DeliveryId)
                .With("@number", attempt.Number)
                .With("@startedAt", Ms.Of(attempt.StartedAt))
                .With("@statusCode", attempt.StatusCode)
                .With("@durationMs", attempt.DurationMs)
                .With("@error", attempt.Error)
                .With("@body", attempt.ResponseBody)
                .With("@headers", attempt.RequestHeadersJson)
                .ExecuteNonQueryAsync();
            await Command(Sql.CompleteDelivery)
                .With("@delivery", outcome.DeliveryId)
                .With("@status", outcome.Status)
                .With("@number", attempt.Number)
                .With("@next", Ms.Of(outcome.NextAttemptAt))
                .With("@statusCode", attempt.StatusCode)
                .With("@error", attempt.Error)
                .With("@at", at)
                .ExecuteNonQueryAsync();
        }
        // Once per webhook, not per delivery: a batch often holds hundreds for one receiver. A
        // success anywhere in the batch clears failing_since (the receiver is up).
        foreach (var webhook in outcomes.GroupBy(o => o.WebhookId))
        {
            await Command(webhook.Any(o => o.WebhookSucceeded) ? Sql.WebhookSucceeded : Sql.WebhookFailed)
                .With("@id", webhook.Key).With("@at", at).ExecuteNonQueryAsync();
        }
    }

    private static string IdList(IEnumerable<string> ids) =>
        System.Text.Json.JsonSerializer.Serialize(ids.ToArray(), StorageJsonContext.Default.StringArray);
}
