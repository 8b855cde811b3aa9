namespace SmartApi.Storage.Relational;

internal abstract partial class RelationalStoreTransaction
{
    /// <summary>
    /// Called before the statements that add or remove subscriptions (directly or by cascade), or
    /// right after the one that disabled a webhook: SQLite drops its writer's snapshot, PostgreSQL
    /// bumps the routing version so every node's next batch reloads it.
    /// </summary>
    private protected abstract ValueTask ChangingSubscriptionsAsync();

    /// <summary>Counts deliveries queued by the unit (the writer announces them after the commit).</summary>
    private protected abstract void DeliveriesQueued(int count);

    public async ValueTask SaveAutomationAsync(Automation automation, IReadOnlyList<WebhookDefinition> webhooks, IReadOnlyList<Subscription> subscriptions)
    {
        await ChangingSubscriptionsAsync();
        var saved = await ExecuteAsync(RelationalSql.UpsertAutomation, new
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

        var existing = (await QueryAsync<WebhookRow>(RelationalSql.ListLiveWebhooks, new { automation = automation.Id }))
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
                await ExecuteAsync(RelationalSql.InsertWebhook, values);
            }
            else
            {
                // Saving an action again is how a disabled webhook is turned back on.
                await ExecuteAsync(RelationalSql.UpdateWebhook, values);
                await ExecuteAsync(RelationalSql.ReactivateWebhook, new { values.id });
            }
            var limits = definition.Limits ?? WebhookLimits.Default;
            await ExecuteAsync(RelationalSql.UpsertWebhookLimits, new
            {
                values.id,
                rate = limits.RatePerSecond,
                burst = limits.RateBurst,
                threshold = limits.FailureThreshold,
                probe = (long)limits.ProbeInterval.TotalMilliseconds,
            });
            live.Add(values.id);
        }
        foreach (var dropped in existing.Values.Where(w => !live.Contains(w.Id)))
        {
            await ExecuteAsync(RelationalSql.RemoveWebhook, new { id = dropped.Id });
            await ExecuteAsync(RelationalSql.FailWebhookDeliveries,
                new { id = dropped.Id, error = "The webhook was removed from its automation.", at = Ms.Of(automation.UpdatedAt) });
        }

        // The automation's one set of subscriptions, whatever its shape: its rule decides what they yield.
        await ExecuteAsync(RelationalSql.DeleteSubscriptions, new { automation = automation.Id });
        await ExecuteAsync(Dialect.InsertSubscription,
            subscriptions.Select(s => new { org = automation.OrganizationId, type = s.EventType, device = s.DeviceId ?? "", automation = automation.Id }));
    }

    public async ValueTask<bool> DeleteAutomationAsync(string organizationId, string id)
    {
        await ChangingSubscriptionsAsync(); // its webhooks and subscriptions go by cascade
        return await ExecuteAsync(RelationalSql.DeleteAutomation, new { org = organizationId, id }) == 1;
    }

    public async ValueTask InsertSecretAsync(AutomationSecret secret) =>
        await ExecuteAsync(RelationalSql.InsertSecret, new
        {
            secret.Id,
            secret.AutomationId,
            secret.Ciphertext,
            CreatedAt = Ms.Of(secret.CreatedAt),
            ExpiresAt = Ms.Of(secret.ExpiresAt),
        });

    public async ValueTask ExpireSecretsAsync(string automationId, DateTimeOffset expiresAt) =>
        await ExecuteAsync(RelationalSql.ExpireSecrets, new { automation = automationId, at = Ms.Of(expiresAt) });

    public async ValueTask<IReadOnlyList<string>> ExtendDeliveryLeasesAsync(string owner, IReadOnlyList<string> deliveryIds, DateTimeOffset leaseUntil) =>
        deliveryIds.Count == 0
            ? []
            : [.. await QueryAsync<string>(Dialect.ExtendDeliveryLeases, new { ids = deliveryIds as string[] ?? [.. deliveryIds], owner, until = Ms.Of(leaseUntil) })];

    public async ValueTask ReleaseDeliveriesAsync(IReadOnlyList<string> deliveryIds, DateTimeOffset dueAt, string? heldReason = null) =>
        await ExecuteAsync(Dialect.ReleaseDeliveries, new { ids = deliveryIds as string[] ?? [.. deliveryIds], due = Ms.Of(dueAt), reason = heldReason });

    public async ValueTask<IReadOnlyList<WebhookCircuit>> LockWebhookCircuitsAsync(IReadOnlyCollection<string> webhookIds) =>
        webhookIds.Count == 0
            ? []
            : [.. (await QueryAsync<WebhookCircuitRow>(Dialect.LockWebhookCircuits, new { ids = Dialect.IdList(webhookIds) })).Select(r => r.ToEntity())];

    public async ValueTask SaveWebhookCircuitStateAsync(WebhookCircuit circuit) =>
        await ExecuteAsync(RelationalSql.SaveWebhookCircuitState, new
        {
            id = circuit.WebhookId,
            state = circuit.State,
            streak = circuit.FailureStreak,
            next = Ms.Of(circuit.NextProbeAt),
            changed = Ms.Of(circuit.ChangedAt),
        });

    public async ValueTask<bool> TakeWebhookProbeAsync(string webhookId, DateTimeOffset now, DateTimeOffset nextProbeAt) =>
        await ExecuteAsync(RelationalSql.TakeWebhookProbe, new { id = webhookId, now = Ms.Of(now), next = Ms.Of(nextProbeAt) }) == 1;

    public async ValueTask<bool> ReplaceWebhookHeadersAsync(string webhookId, string expected, string headersJson) =>
        await ExecuteAsync(RelationalSql.ReplaceWebhookHeaders, new { id = webhookId, expected, headers = headersJson }) == 1;

    public async ValueTask<bool> ReplaceAutomationDefinitionAsync(string automationId, string expected, string definitionJson) =>
        await ExecuteAsync(RelationalSql.ReplaceAutomationDefinition, new { id = automationId, expected, definition = definitionJson }) == 1;

    public async ValueTask<bool> DisableWebhookAsync(string webhookId, string reason, DateTimeOffset now)
    {
        if (await ExecuteAsync(RelationalSql.DisableWebhook, new { id = webhookId, reason }) == 0)
        {
            return false;
        }
        // A disabled webhook receives no more deliveries; nothing routes between the update and this.
        await ChangingSubscriptionsAsync();
        await ExecuteAsync(RelationalSql.FailWebhookDeliveries,
            new { id = webhookId, error = $"The webhook was disabled ({reason}).", at = Ms.Of(now) });
        return true;
    }

    public async ValueTask<int> PruneAsync(DateTimeOffset before, int batchSize)
    {
        var parameters = new { before = Ms.Of(before), limit = batchSize };
        var deliveries = await ExecuteAsync(RelationalSql.PruneDeliveries, parameters);
        var events = await ExecuteAsync(Dialect.PruneEvents, parameters);
        return deliveries + events;
    }

    public async ValueTask<bool> RetryDeliveryAsync(string organizationId, string id, DateTimeOffset now)
    {
        var retried = await ExecuteAsync(RelationalSql.RetryDelivery, new { org = organizationId, id, now = Ms.Of(now) }) == 1;
        DeliveriesQueued(retried ? 1 : 0);
        return retried;
    }

    public async ValueTask<RetriedDeliveries> RetryFailedDeliveriesAsync(string organizationId, DeliveryFilter filter, int limit, DateTimeOffset now)
    {
        var conditions = RelationalSql.DeliveryConditions(filter, withStatus: false);
        var parameters = RelationalSql.DeliveryParameters(organizationId, filter with { Status = null });
        parameters.Add("limit", limit);
        parameters.Add("now", Ms.Of(now));
        var queued = await ExecuteAsync(RelationalSql.RetryFailedDeliveries(conditions), parameters);
        DeliveriesQueued(queued);
        // The queued ones are pending now: any failed match left is beyond this call's limit.
        var more = await ExecuteScalarAsync<long>(RelationalSql.AnyFailedDeliveries(conditions), parameters) > 0;
        return new RetriedDeliveries(queued, more);
    }

    public async ValueTask<int> RecoverDeliveriesAsync(string organizationId, string automationId, DateTimeOffset since, int limit, DateTimeOffset now)
    {
        var recovered = await ExecuteAsync(RelationalSql.RecoverDeliveries,
            new { org = organizationId, automation = automationId, since = Ms.Of(since), limit, now = Ms.Of(now) });
        DeliveriesQueued(recovered);
        return recovered;
    }
}
