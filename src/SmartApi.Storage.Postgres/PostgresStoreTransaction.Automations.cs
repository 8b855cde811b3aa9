
namespace SmartApi.Storage.Postgres;

internal sealed partial class PostgresStoreTransaction
{
    public async ValueTask<IReadOnlyList<ClaimedDelivery>> ClaimDeliveriesAsync(string owner, DateTimeOffset now, DateTimeOffset leaseUntil, int limit) =>
        (await db.QueryAsync<DeliveryRow, ClaimedEventRow, WebhookRow, ClaimedDelivery>(Sql.ClaimDeliveries, (delivery, stored, webhook) =>
        {
            var entity = delivery.ToEntity();
            return new ClaimedDelivery(entity, webhook.ToEntity(), new StoredEvent(stored.EventPosition, entity.EventId, entity.OrganizationId,
                entity.EventType, entity.DeviceId, Ms.ToTime(stored.EventCreatedAt), stored.EventData, TraceParent: stored.EventTraceParent));
        }, new { owner, now = Ms.Of(now), leaseUntil = Ms.Of(leaseUntil), limit }, splitOn: "event_position,id")).ToList();

    public async ValueTask CompleteDeliveriesAsync(IReadOnlyList<DeliveryOutcome> outcomes, DateTimeOffset now)
    {
        if (outcomes.Count == 0)
        {
            return;
        }
        var at = Ms.Of(now);
        // A success anywhere in the batch clears failing_since (the receiver is up).
        var byWebhook = outcomes.GroupBy(o => o.WebhookId).ToList();
        // One statement for the whole batch (often hundreds of outcomes): the rows travel as arrays.
        await db.ExecuteAsync(Sql.CompleteDeliveries, new
        {
            deliveries = outcomes.Select(o => o.DeliveryId).ToArray(),
            numbers = outcomes.Select(o => (long)o.Attempt.Number).ToArray(),
            startedAts = outcomes.Select(o => Ms.Of(o.Attempt.StartedAt)).ToArray(),
            statusCodes = outcomes.Select(o => (long?)o.Attempt.StatusCode).ToArray(),
            durations = outcomes.Select(o => (long)o.Attempt.DurationMs).ToArray(),
            errors = outcomes.Select(o => o.Attempt.Error).ToArray(),
            bodies = outcomes.Select(o => o.Attempt.ResponseBody).ToArray(),
            headers = outcomes.Select(o => o.Attempt.RequestHeadersJson).ToArray(),
            statuses = outcomes.Select(o => o.Status).ToArray(),
            nexts = outcomes.Select(o => Ms.Of(o.NextAttemptAt)).ToArray(),
            succeeded = byWebhook.Where(g => g.Any(o => o.WebhookSucceeded)).Select(g => g.Key).ToArray(),
            failed = byWebhook.Where(g => !g.Any(o => o.WebhookSucceeded)).Select(g => g.Key).ToArray(),
            at = Ms.Of(now),
        });
    }

    /// <summary>What a claim reads of a delivery's event besides what the delivery row repeats.</summary>
    private sealed class ClaimedEventRow
    {
        public long EventPosition { get; set; }
        public long EventCreatedAt { get; set; }
        public string EventData { get; set; } = "{}";
        public string? EventTraceParent { get; set; }
    }
}
