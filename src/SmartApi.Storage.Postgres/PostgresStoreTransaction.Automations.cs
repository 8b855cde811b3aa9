
namespace SmartApi.Storage.Postgres;

internal sealed partial class PostgresStoreTransaction
{
    public async ValueTask SaveAutomationAsync(Automation automation, IReadOnlyList<WebhookDefinition> webhooks, IReadOnlyList<Subscription> subscriptions)
    {
        await db.ChangingSubscriptionsAsync();
        var saved = await db.ExecuteAsync(Sql.UpsertAutomation, new
        {
            automation.Id,
            automation.OrganizationId,
            automation.Name,
            automation.Enabled,
            automation.DefinitionJson,
            CreatedAt = Ms.Of(automation.CreatedAt),
            UpdatedAt = Ms.Of(automation.UpdatedAt),
        });
        if (saved == 0)
        {
            // The id exists in another organization: never let one tenant overwrite another's automation.
            throw new DuplicateKeyException("automation");
        }

        var existing = (await db.QueryAsync<WebhookRow>(Sql.ListLiveWebhooks, new { automation = automation.Id }))
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
                await db.ExecuteAsync(Sql.InsertWebhook, values);
            }
            else
            {
                // Saving an action again is how a disabled webhook is turned back on.
                await db.ExecuteAsync(Sql.UpdateWebhook, values);
                await db.ExecuteAsync(Sql.ReactivateWebhook, new { values.id });
            }
            live.Add(values.id);
        }
        foreach (var dropped in existing.Values.Where(w => !live.Contains(w.Id)))
        {
            await db.ExecuteAsync(Sql.RemoveWebhook, new { id = dropped.Id });
            await db.ExecuteAsync(Sql.FailWebhookDeliveries,
                new { id = dropped.Id, error = "The webhook was removed from its automation.", at = Ms.Of(automation.UpdatedAt) });
        }

        await db.ExecuteAsync(Sql.DeleteSubscriptions, new { automation = automation.Id });
        await db.ExecuteAsync(Sql.InsertSubscription,
            live.SelectMany(webhook => subscriptions.Select(s => new { org = automation.OrganizationId, type = s.EventType, device = s.DeviceId ?? "", webhook })));
    }

    public async ValueTask<bool> DeleteAutomationAsync(string organizationId, string id)
    {
        await db.ChangingSubscriptionsAsync(); // its webhooks and subscriptions go by cascade
        return await db.ExecuteAsync(Sql.DeleteAutomation, new { org = organizationId, id }) == 1;
    }

    public async ValueTask InsertSecretAsync(AutomationSecret secret) =>
        await db.ExecuteAsync(Sql.InsertSecret, new
        {
            secret.Id,
            secret.AutomationId,
            secret.Ciphertext,
            CreatedAt = Ms.Of(secret.CreatedAt),
            ExpiresAt = Ms.Of(secret.ExpiresAt),
        });

    public async ValueTask ExpireSecretsAsync(string automationId, DateTimeOffset expiresAt) =>
        await db.ExecuteAsync(Sql.ExpireSecrets, new { automation = automationId, at = Ms.Of(expiresAt) });

    public async ValueTask<IReadOnlyList<ClaimedDelivery>> ClaimDeliveriesAsync(string owner, DateTimeOffset now, DateTimeOffset leaseUntil, int limit) =>
        (await db.QueryAsync<DeliveryRow, ClaimedEventRow, WebhookRow, ClaimedDelivery>(Sql.ClaimDeliveries, (delivery, stored, webhook) =>
        {
            var entity = delivery.ToEntity();
            return new ClaimedDelivery(entity, webhook.ToEntity(), new StoredEvent(stored.EventPosition, entity.EventId, entity.OrganizationId,
                entity.EventType, entity.DeviceId, Ms.ToTime(stored.EventCreatedAt), stored.EventData));
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
            statuses = outcomes.Select(o => o.Status).ToArray(),
            nexts = outcomes.Select(o => Ms.Of(o.NextAttemptAt)).ToArray(),
            succeeded = byWebhook.Where(g => g.Any(o => o.WebhookSucceeded)).Select(g => g.Key).ToArray(),
            failed = byWebhook.Where(g => !g.Any(o => o.WebhookSucceeded)).Select(g => g.Key).ToArray(),
            at = Ms.Of(now),
        });
    }

    public async ValueTask ReleaseDeliveriesAsync(IReadOnlyList<string> deliveryIds, DateTimeOffset dueAt) =>
        await db.ExecuteAsync(Sql.ReleaseDeliveries, new { ids = deliveryIds.ToArray(), due = Ms.Of(dueAt) });

    public async ValueTask<bool> ReplaceWebhookHeadersAsync(string webhookId, string expected, string headersJson) =>
        await db.ExecuteAsync(Sql.ReplaceWebhookHeaders, new { id = webhookId, expected, headers = headersJson }) == 1;

    public async ValueTask<bool> ReplaceAutomationDefinitionAsync(string automationId, string expected, string definitionJson) =>
        await db.ExecuteAsync(Sql.ReplaceAutomationDefinition, new { id = automationId, expected, definition = definitionJson }) == 1;

    public async ValueTask<bool> DisableWebhookAsync(string webhookId, string reason, DateTimeOffset now)
    {
        if (await db.ExecuteAsync(Sql.DisableWebhook, new { id = webhookId, reason }) == 0)
        {
            return false;
        }
        await db.ChangingSubscriptionsAsync(); // a disabled webhook receives no more deliveries
        await db.ExecuteAsync(Sql.FailWebhookDeliveries,
            new { id = webhookId, error = $"The webhook was disabled ({reason}).", at = Ms.Of(now) });
        return true;
    }

    public async ValueTask<int> PruneAsync(DateTimeOffset before, int batchSize)
    {
        var parameters = new { before = Ms.Of(before), limit = batchSize };
        var deliveries = await db.ExecuteAsync(Sql.PruneDeliveries, parameters);
        var events = await db.ExecuteAsync(Sql.PruneEvents, parameters);
        return deliveries + events;
    }

    public async ValueTask<bool> RetryDeliveryAsync(string organizationId, string id, DateTimeOffset now)
    {
        var retried = await db.ExecuteAsync(Sql.RetryDelivery, new { org = organizationId, id, now = Ms.Of(now) }) == 1;
        db.QueuedDeliveries += retried ? 1 : 0;
        return retried;
    }

    public async ValueTask<int> RecoverDeliveriesAsync(string organizationId, string automationId, DateTimeOffset since, int limit, DateTimeOffset now)
    {
        var recovered = await db.ExecuteAsync(Sql.RecoverDeliveries,
            new { org = organizationId, automation = automationId, since = Ms.Of(since), limit, now = Ms.Of(now) });
        db.QueuedDeliveries += recovered;
        return recovered;
    }

    public async ValueTask<bool> TryClaimIdempotencyKeyAsync(IdempotencyRecord record, DateTimeOffset abandonedBefore, DateTimeOffset expiredBefore) =>
        await db.ExecuteAsync(Sql.ClaimIdempotencyKey, new
        {
            apiKey = record.ApiKeyId,
            key = record.Key,
            org = record.OrganizationId,
            hash = record.RequestHash,
            at = Ms.Of(record.CreatedAt),
            abandonedBefore = Ms.Of(abandonedBefore),
            expiredBefore = Ms.Of(expiredBefore),
        }) == 1;

    public async ValueTask CompleteIdempotencyKeyAsync(string apiKeyId, string key, int status, string? headersJson, byte[] body) =>
        await db.ExecuteAsync(Sql.CompleteIdempotencyKey,
            new { apiKey = apiKeyId, key, status = (long)status, headers = headersJson, body });

    public async ValueTask ReleaseIdempotencyKeyAsync(string apiKeyId, string key) =>
        await db.ExecuteAsync(Sql.ReleaseIdempotencyKey, new { apiKey = apiKeyId, key });

    public async ValueTask<int> PruneIdempotencyKeysAsync(DateTimeOffset before, int batchSize) =>
        await db.ExecuteAsync(Sql.PruneIdempotencyKeys, new { before = Ms.Of(before), limit = batchSize });

    /// <summary>What a claim reads of a delivery's event besides what the delivery row repeats.</summary>
    private sealed class ClaimedEventRow
    {
        public long EventPosition { get; set; }
        public long EventCreatedAt { get; set; }
        public string EventData { get; set; } = "{}";
    }
}
