using Dapper;
using SmartApi.Storage.Sqlite;

namespace SmartApi.Storage.Postgres;

internal sealed partial class PostgresStoreTransaction
{
    /// <summary>Deliveries queued in this transaction (the store announces them after commit).</summary>
    public int QueuedDeliveries { get; private set; }

    /// <summary>Events appended in this transaction (the store announces them after commit, for live streams).</summary>
    public int AppendedEvents { get; private set; }

    /// <summary>Delivery ids generated for each append: enough for the usual number of matching webhooks.</summary>
    private const int DeliveryIdsPerAppend = 4;

    private sealed class AppendedRow
    {
        public long Position { get; set; }
        public long? Sequence { get; set; }
        public long Matched { get; set; }
    }

    /// <summary>The deliveries of webhooks past the ids the append carried.</summary>
    private async ValueTask QueueMoreDeliveriesAsync(NewEvent newEvent, long position, int matched)
    {
        await connection.ExecuteAsync(newEvent.TargetAutomationId is null ? Sql.QueueMoreDeliveries : Sql.QueueMoreTargetedDeliveries, new
        {
            org = newEvent.OrganizationId,
            @event = newEvent.Id,
            id = newEvent.Id,
            position,
            type = newEvent.Type,
            device = newEvent.DeviceId,
            deviceKey = newEvent.DeviceId ?? "",
            target = newEvent.TargetAutomationId,
            at = Ms.Of(newEvent.CreatedAt),
            skip = (long)DeliveryIdsPerAppend,
            deliveryIds = Enumerable.Range(0, matched - DeliveryIdsPerAppend).Select(_ => ids.New("dlv")).ToArray(),
        }, transaction);
    }

    public async ValueTask SaveAutomationAsync(Automation automation, IReadOnlyList<WebhookDefinition> webhooks, IReadOnlyList<Subscription> subscriptions)
    {
        var saved = await connection.ExecuteAsync(Sql.UpsertAutomation, new
        {
            automation.Id,
            automation.OrganizationId,
            automation.Name,
            automation.Enabled,
            automation.DefinitionJson,
            CreatedAt = Ms.Of(automation.CreatedAt),
            UpdatedAt = Ms.Of(automation.UpdatedAt),
        }, transaction);
        if (saved == 0)
        {
            // The id exists in another organization: never let one tenant overwrite another's automation.
            throw new DuplicateKeyException("automation");
        }

        var existing = (await connection.QueryAsync<WebhookRow>(Sql.ListLiveWebhooks, new { automation = automation.Id }, transaction))
            .ToDictionary(w => (int)w.ActionIndex);
        var live = new List<string>(webhooks.Count);
        foreach (var definition in webhooks)
        {
            var values = new
            {
                id = existing.TryGetValue(definition.ActionIndex, out var row) ? row.Id : ids.New("whk"),
                org = automation.OrganizationId,
                automation = automation.Id,
                index = (long)definition.ActionIndex,
                url = definition.Url,
                headers = definition.HeadersJson,
                ordered = definition.Ordered,
                standard = definition.StandardWebhooks,
                at = Ms.Of(automation.UpdatedAt),
            };
            if (row is null)
            {
                await connection.ExecuteAsync(Sql.InsertWebhook, values, transaction);
            }
            else
            {
                // Saving an action again is how a disabled webhook is turned back on.
                await connection.ExecuteAsync(Sql.UpdateWebhook, values, transaction);
                await connection.ExecuteAsync(Sql.ReactivateWebhook, new { values.id }, transaction);
            }
            live.Add(values.id);
        }
        foreach (var dropped in existing.Values.Where(w => !live.Contains(w.Id)))
        {
            await connection.ExecuteAsync(Sql.RemoveWebhook, new { id = dropped.Id }, transaction);
            await connection.ExecuteAsync(Sql.FailWebhookDeliveries,
                new { id = dropped.Id, error = "The webhook was removed from its automation.", at = Ms.Of(automation.UpdatedAt) }, transaction);
        }

        await connection.ExecuteAsync(Sql.DeleteSubscriptions, new { automation = automation.Id }, transaction);
        await connection.ExecuteAsync(Sql.InsertSubscription,
            live.SelectMany(webhook => subscriptions.Select(s => new { org = automation.OrganizationId, type = s.EventType, device = s.DeviceId ?? "", webhook })),
            transaction);
    }

    public async ValueTask<bool> DeleteAutomationAsync(string organizationId, string id) =>
        await connection.ExecuteAsync(Sql.DeleteAutomation, new { org = organizationId, id }, transaction) == 1;

    public async ValueTask InsertSecretAsync(AutomationSecret secret) =>
        await connection.ExecuteAsync(Sql.InsertSecret, new
        {
            secret.Id,
            secret.AutomationId,
            secret.Ciphertext,
            CreatedAt = Ms.Of(secret.CreatedAt),
            ExpiresAt = Ms.Of(secret.ExpiresAt),
        }, transaction);

    public async ValueTask ExpireSecretsAsync(string automationId, DateTimeOffset expiresAt) =>
        await connection.ExecuteAsync(Sql.ExpireSecrets, new { automation = automationId, at = Ms.Of(expiresAt) }, transaction);

    public async ValueTask<IReadOnlyList<ClaimedDelivery>> ClaimDeliveriesAsync(string owner, DateTimeOffset now, DateTimeOffset leaseUntil, int limit)
    {
        var deliveries = (await connection.QueryAsync<DeliveryRow>(Sql.ClaimDeliveries,
            new { owner, now = Ms.Of(now), leaseUntil = Ms.Of(leaseUntil), limit }, transaction)).Select(r => r.ToEntity()).ToList();
        if (deliveries.Count == 0)
        {
            return [];
        }
        var webhooks = (await connection.QueryAsync<WebhookRow>(Sql.GetWebhooksByIds,
            new { ids = deliveries.Select(d => d.WebhookId).Distinct().ToArray() }, transaction)).ToDictionary(w => w.Id, w => w.ToEntity());
        var events = (await connection.QueryAsync<EventRow>(Sql.GetEventsByIds,
            new { ids = deliveries.Select(d => d.EventId).Distinct().ToArray() }, transaction)).ToDictionary(e => e.Id, e => e.ToEntity());
        var claimed = new List<ClaimedDelivery>(deliveries.Count);
        foreach (var delivery in deliveries.OrderBy(d => d.NextAttemptAt).ThenBy(d => d.Id, StringComparer.Ordinal))
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
        if (outcomes.Count == 0)
        {
            return;
        }
        var at = Ms.Of(now);
        // Two statements for the whole batch (often hundreds of outcomes): the rows travel as arrays.
        var deliveries = outcomes.Select(o => o.DeliveryId).ToArray();
        var numbers = outcomes.Select(o => (long)o.Attempt.Number).ToArray();
        var statusCodes = outcomes.Select(o => (long?)o.Attempt.StatusCode).ToArray();
        var errors = outcomes.Select(o => o.Attempt.Error).ToArray();
        await connection.ExecuteAsync(Sql.InsertAttempts, new
        {
            deliveries,
            numbers,
            startedAts = outcomes.Select(o => Ms.Of(o.Attempt.StartedAt)).ToArray(),
            statusCodes,
            durations = outcomes.Select(o => (long)o.Attempt.DurationMs).ToArray(),
            errors,
            bodies = outcomes.Select(o => o.Attempt.ResponseBody).ToArray(),
        }, transaction);
        await connection.ExecuteAsync(Sql.CompleteDeliveries, new
        {
            deliveries,
            statuses = outcomes.Select(o => o.Status).ToArray(),
            numbers,
            nexts = outcomes.Select(o => Ms.Of(o.NextAttemptAt)).ToArray(),
            statusCodes,
            errors,
            at,
        }, transaction);
        // A success anywhere in the batch clears failing_since (the receiver is up).
        var byWebhook = outcomes.GroupBy(o => o.WebhookId).ToList();
        var succeeded = byWebhook.Where(g => g.Any(o => o.WebhookSucceeded)).Select(g => g.Key).ToArray();
        var failed = byWebhook.Where(g => !g.Any(o => o.WebhookSucceeded)).Select(g => g.Key).ToArray();
        if (succeeded.Length > 0)
        {
            await connection.ExecuteAsync(Sql.WebhooksSucceeded, new { ids = succeeded }, transaction);
        }
        if (failed.Length > 0)
        {
            await connection.ExecuteAsync(Sql.WebhooksFailed, new { ids = failed, at }, transaction);
        }
    }

    public async ValueTask ReleaseDeliveriesAsync(IReadOnlyList<string> deliveryIds, DateTimeOffset dueAt) =>
        await connection.ExecuteAsync(Sql.ReleaseDeliveries, new { ids = deliveryIds.ToArray(), due = Ms.Of(dueAt) }, transaction);

    public async ValueTask<bool> DisableWebhookAsync(string webhookId, string reason, DateTimeOffset now)
    {
        if (await connection.ExecuteAsync(Sql.DisableWebhook, new { id = webhookId, reason }, transaction) == 0)
        {
            return false;
        }
        await connection.ExecuteAsync(Sql.FailWebhookDeliveries,
            new { id = webhookId, error = $"The webhook was disabled ({reason}).", at = Ms.Of(now) }, transaction);
        return true;
    }

    public async ValueTask<int> PruneAsync(DateTimeOffset before, int batchSize)
    {
        var parameters = new { before = Ms.Of(before), limit = batchSize };
        var deliveries = await connection.ExecuteAsync(Sql.PruneDeliveries, parameters, transaction);
        var events = await connection.ExecuteAsync(Sql.PruneEvents, parameters, transaction);
        return deliveries + events;
    }

    public async ValueTask<bool> RetryDeliveryAsync(string organizationId, string id, DateTimeOffset now)
    {
        var retried = await connection.ExecuteAsync(Sql.RetryDelivery, new { org = organizationId, id, now = Ms.Of(now) }, transaction) == 1;
        QueuedDeliveries += retried ? 1 : 0;
        return retried;
    }

    public async ValueTask<int> RecoverDeliveriesAsync(string organizationId, string automationId, DateTimeOffset since, int limit, DateTimeOffset now)
    {
        var recovered = await connection.ExecuteAsync(Sql.RecoverDeliveries,
            new { org = organizationId, automation = automationId, since = Ms.Of(since), limit, now = Ms.Of(now) }, transaction);
        QueuedDeliveries += recovered;
        return recovered;
    }

    public async ValueTask<bool> TryClaimIdempotencyKeyAsync(IdempotencyRecord record, DateTimeOffset abandonedBefore, DateTimeOffset expiredBefore) =>
        await connection.ExecuteAsync(Sql.ClaimIdempotencyKey, new
        {
            org = record.OrganizationId,
            key = record.Key,
            hash = record.RequestHash,
            at = Ms.Of(record.CreatedAt),
            abandonedBefore = Ms.Of(abandonedBefore),
            expiredBefore = Ms.Of(expiredBefore),
        }, transaction) == 1;

    public async ValueTask CompleteIdempotencyKeyAsync(string organizationId, string key, int status, string? headersJson, byte[] body) =>
        await connection.ExecuteAsync(Sql.CompleteIdempotencyKey,
            new { org = organizationId, key, status = (long)status, headers = headersJson, body }, transaction);

    public async ValueTask ReleaseIdempotencyKeyAsync(string organizationId, string key) =>
        await connection.ExecuteAsync(Sql.ReleaseIdempotencyKey, new { org = organizationId, key }, transaction);

    public async ValueTask<int> PruneIdempotencyKeysAsync(DateTimeOffset before, int batchSize) =>
        await connection.ExecuteAsync(Sql.PruneIdempotencyKeys, new { before = Ms.Of(before), limit = batchSize }, transaction);
}
