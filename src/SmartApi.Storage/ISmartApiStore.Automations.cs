namespace SmartApi.Storage;

public partial interface ISmartApiStore
{
    Task<Automation?> GetAutomationAsync(string organizationId, string id, CancellationToken cancellationToken = default);
    Task<PageResult<Automation>> ListAutomationsAsync(string organizationId, PageRequest page, CancellationToken cancellationToken = default);

    /// <summary>The automation's webhooks that are not removed, by action index.</summary>
    Task<IReadOnlyList<Webhook>> ListWebhooksAsync(string automationId, CancellationToken cancellationToken = default);

    /// <summary>The webhooks (removed ones included) of several automations at once, for list pages.</summary>
    Task<IReadOnlyList<Webhook>> ListWebhooksAsync(IReadOnlyCollection<string> automationIds, CancellationToken cancellationToken = default);

    /// <summary>
    /// Webhooks of every organization, removed ones included, whose custom headers are not empty,
    /// in id order after <paramref name="afterId"/> (start with ""): for start-up maintenance of
    /// stored header values.
    /// </summary>
    Task<IReadOnlyList<Webhook>> ListWebhooksWithHeadersAsync(string afterId, int limit, CancellationToken cancellationToken = default);

    /// <summary>Secrets that sign now: not expired at <paramref name="now"/>, newest first.</summary>
    Task<IReadOnlyList<AutomationSecret>> ListActiveSecretsAsync(string automationId, DateTimeOffset now, CancellationToken cancellationToken = default);

    Task<Delivery?> GetDeliveryAsync(string organizationId, string id, CancellationToken cancellationToken = default);
    Task<PageResult<Delivery>> ListDeliveriesAsync(string organizationId, DeliveryFilter filter, PageRequest page, CancellationToken cancellationToken = default);
    Task<IReadOnlyList<DeliveryAttempt>> ListAttemptsAsync(string deliveryId, CancellationToken cancellationToken = default);

    /// <summary>Pending deliveries (for the queue-depth metric).</summary>
    Task<long> CountPendingDeliveriesAsync(CancellationToken cancellationToken = default);
}

public partial interface IStoreTransaction
{
    /// <summary>Inserts or replaces an automation with its webhooks and subscriptions. Webhooks keep their ids by action index; dropped ones become removed.</summary>
    /// <exception cref="DuplicateKeyException">The id belongs to an automation of another organization.</exception>
    ValueTask SaveAutomationAsync(Automation automation, IReadOnlyList<WebhookDefinition> webhooks, IReadOnlyList<Subscription> subscriptions);
    ValueTask<bool> DeleteAutomationAsync(string organizationId, string id);

    ValueTask InsertSecretAsync(AutomationSecret secret);

    /// <summary>
    /// Sets a webhook's headers only if they are still <paramref name="expected"/> (compare and set,
    /// so maintenance never overwrites a concurrent save); false if they were changed or the webhook is gone.
    /// </summary>
    ValueTask<bool> ReplaceWebhookHeadersAsync(string webhookId, string expected, string headersJson);

    /// <summary>Sets an automation's definition only if it is still <paramref name="expected"/>; <c>updated_at</c> is kept.</summary>
    ValueTask<bool> ReplaceAutomationDefinitionAsync(string automationId, string expected, string definitionJson);

    /// <summary>Makes every active secret of the automation expire at <paramref name="expiresAt"/> (rotation).</summary>
    ValueTask ExpireSecretsAsync(string automationId, DateTimeOffset expiresAt);

    /// <summary>
    /// Leases up to <paramref name="limit"/> due deliveries to <paramref name="owner"/> until
    /// <paramref name="leaseUntil"/>. A delivery whose lease expired (its worker died) is due again.
    /// For ordered webhooks only the earliest pending delivery per webhook and device is claimable.
    /// </summary>
    ValueTask<IReadOnlyList<ClaimedDelivery>> ClaimDeliveriesAsync(string owner, DateTimeOffset now, DateTimeOffset leaseUntil, int limit);

    /// <summary>Records attempts and moves their deliveries on (succeeded, pending with a next attempt, or failed); clears leases.</summary>
    ValueTask CompleteDeliveriesAsync(IReadOnlyList<DeliveryOutcome> outcomes, DateTimeOffset now);

    /// <summary>Gives leased deliveries back without an attempt, due at <paramref name="dueAt"/>.</summary>
    ValueTask ReleaseDeliveriesAsync(IReadOnlyList<string> deliveryIds, DateTimeOffset dueAt);

    /// <summary>Disables an active webhook and fails its pending deliveries; false if it was not active.</summary>
    ValueTask<bool> DisableWebhookAsync(string webhookId, string reason, DateTimeOffset now);

    /// <summary>
    /// Deletes up to <paramref name="batchSize"/> finished deliveries (with their attempts) and up to
    /// as many events created before <paramref name="before"/>; an event with a pending delivery is
    /// kept until it is delivered or fails. Returns how many rows went.
    /// </summary>
    ValueTask<int> PruneAsync(DateTimeOffset before, int batchSize);

    /// <summary>Queues a delivery again now, whatever its status.</summary>
    ValueTask<bool> RetryDeliveryAsync(string organizationId, string id, DateTimeOffset now);

    /// <summary>Queues again the failed deliveries of an automation created since <paramref name="since"/>; returns how many.</summary>
    ValueTask<int> RecoverDeliveriesAsync(string organizationId, string automationId, DateTimeOffset since, int limit, DateTimeOffset now);
}
