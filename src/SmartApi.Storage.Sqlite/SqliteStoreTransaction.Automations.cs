using Dapper;
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
    private async ValueTask RouteAsync(NewEvent newEvent, long position)
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
            QueuedDeliveries++;
            await Command(Sql.InsertDelivery)
                .With("@id", ids.New("dlv"))
                .With("@org", newEvent.OrganizationId)
                .With("@automation", match.AutomationId)
                .With("@webhook", match.WebhookId)
                .With("@event", newEvent.Id)
                .With("@position", position)
                .With("@type", newEvent.Type)
                .With("@device", newEvent.DeviceId)
                .With("@orderingKey", EventRouter.OrderingKey(match.WebhookId, match.Ordered, newEvent.DeviceId))
                .With("@at", at)
                .ExecuteNonQueryAsync();
        }
        foreach (var run in runs)
        {
            await InsertRunAsync(new AutomationRun(ids.New("run"), newEvent.OrganizationId, run.AutomationId, RunStatus.Pending, RuleKind.Event,
                newEvent.Id, "{}", newEvent.CreatedAt, null, null, newEvent.CreatedAt, null));
        }
    }

    public async ValueTask SaveAutomationAsync(Automation automation, IReadOnlyList<WebhookDefinition> webhooks, IReadOnlyList<Subscription> subscriptions)
    {
        ChangingSubscriptions();
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
                index = definition.ActionIndex,
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

    public async ValueTask<bool> DeleteAutomationAsync(string organizationId, string id)
    {
        ChangingSubscriptions(); // its webhooks and subscriptions go by cascade
        return await connection.ExecuteAsync(Sql.DeleteAutomation, new { org = organizationId, id }, transaction) == 1;
    }

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

    public async ValueTask ReleaseDeliveriesAsync(IReadOnlyList<string> deliveryIds, DateTimeOffset dueAt) =>
        await connection.ExecuteAsync(Sql.ReleaseDeliveries, new { ids = deliveryIds, due = Ms.Of(dueAt) }, transaction);

    public async ValueTask<bool> ReplaceWebhookHeadersAsync(string webhookId, string expected, string headersJson) =>
        await connection.ExecuteAsync(Sql.ReplaceWebhookHeaders, new { id = webhookId, expected, headers = headersJson }, transaction) == 1;

    public async ValueTask<bool> ReplaceAutomationDefinitionAsync(string automationId, string expected, string definitionJson) =>
        await connection.ExecuteAsync(Sql.ReplaceAutomationDefinition, new { id = automationId, expected, definition = definitionJson }, transaction) == 1;

    public async ValueTask<bool> DisableWebhookAsync(string webhookId, string reason, DateTimeOffset now)
    {
        ChangingSubscriptions(); // a disabled webhook receives no more deliveries
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

    private static string IdList(IEnumerable<string> ids) =>
        System.Text.Json.JsonSerializer.Serialize(ids.ToArray(), StorageJsonContext.Default.StringArray);
}
