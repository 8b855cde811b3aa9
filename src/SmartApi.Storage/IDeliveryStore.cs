namespace SmartApi.Storage;

/// <summary>Webhook deliveries (the outbox) and their attempts.</summary>
public interface IDeliveryStore : IDeliveryLeaseSource
{
    Task<Delivery?> GetDeliveryAsync(string organizationId, string id, CancellationToken cancellationToken = default);
    Task<PageResult<Delivery>> ListDeliveriesAsync(string organizationId, DeliveryFilter filter, PageRequest page, CancellationToken cancellationToken = default);
    Task<IReadOnlyList<DeliveryAttempt>> ListAttemptsAsync(string deliveryId, CancellationToken cancellationToken = default);

    /// <summary>The limits and circuits of the given webhooks (webhooks without a row are left out).</summary>
    Task<IReadOnlyList<WebhookCircuit>> ListWebhookCircuitsAsync(IReadOnlyCollection<string> webhookIds, CancellationToken cancellationToken = default);

    /// <summary>Pending deliveries (for the queue-depth metric).</summary>
    Task<long> CountPendingDeliveriesAsync(CancellationToken cancellationToken = default);
}

/// <summary>The delivery engine inside a write transaction: claims with leases, outcomes, retries and recovery.</summary>
public interface IDeliveryTransaction
{
    /// <summary>
    /// Leases up to <paramref name="limit"/> due deliveries to <paramref name="owner"/> until
    /// <paramref name="leaseUntil"/>. A delivery whose lease expired (its worker died) is due again.
    /// For ordered webhooks only the earliest pending delivery per webhook and device is claimable.
    /// </summary>
    ValueTask<IReadOnlyList<ClaimedDelivery>> ClaimDeliveriesAsync(string owner, DateTimeOffset now, DateTimeOffset leaseUntil, int limit);

    /// <summary>Records attempts and moves their deliveries on (succeeded, pending with a next attempt, or failed); clears leases.</summary>
    ValueTask CompleteDeliveriesAsync(IReadOnlyList<DeliveryOutcome> outcomes, DateTimeOffset now);

    /// <summary>
    /// Moves the leases <paramref name="owner"/> still holds on the given pending deliveries to
    /// <paramref name="leaseUntil"/> and returns their ids: a delivery left out was claimed by another
    /// worker (its lease had lapsed) or is no longer pending, and its holder must not send it.
    /// </summary>
    ValueTask<IReadOnlyList<string>> ExtendDeliveryLeasesAsync(string owner, IReadOnlyList<string> deliveryIds, DateTimeOffset leaseUntil);

    /// <summary>
    /// Gives leased deliveries back without an attempt, due at <paramref name="dueAt"/>; a
    /// <paramref name="heldReason"/> (<see cref="HeldReason"/>) shows in the delivery log until the next attempt.
    /// </summary>
    ValueTask ReleaseDeliveriesAsync(IReadOnlyList<string> deliveryIds, DateTimeOffset dueAt, string? heldReason = null);

    /// <summary>
    /// The circuits of the given webhooks, locked until the unit commits where several writers
    /// record outcomes at once, so each state change is decided once (webhooks without a row are left out).
    /// </summary>
    ValueTask<IReadOnlyList<WebhookCircuit>> LockWebhookCircuitsAsync(IReadOnlyCollection<string> webhookIds);

    /// <summary>Stores a circuit's state, streak and next probe (its limits are the automation's).</summary>
    ValueTask SaveWebhookCircuitStateAsync(WebhookCircuit circuit);

    /// <summary>
    /// Takes the one probe of a webhook whose circuit is not closed and whose probe is due at
    /// <paramref name="now"/>: half-open until <paramref name="nextProbeAt"/>. False when the probe is not
    /// due or another worker took it.
    /// </summary>
    ValueTask<bool> TakeWebhookProbeAsync(string webhookId, DateTimeOffset now, DateTimeOffset nextProbeAt);

    /// <summary>Disables an active webhook and fails its pending deliveries; false if it was not active.</summary>
    ValueTask<bool> DisableWebhookAsync(string webhookId, string reason, DateTimeOffset now);

    /// <summary>Queues a delivery again now, whatever its status; false for an unknown or erased one.</summary>
    ValueTask<bool> RetryDeliveryAsync(string organizationId, string id, DateTimeOffset now);

    /// <summary>
    /// Queues again now, in id order, up to <paramref name="limit"/> failed deliveries matching
    /// <paramref name="filter"/> (its status and order are ignored); says whether failed ones matching remain.
    /// </summary>
    ValueTask<RetriedDeliveries> RetryFailedDeliveriesAsync(string organizationId, DeliveryFilter filter, int limit, DateTimeOffset now);

    /// <summary>Queues again the failed deliveries of an automation created since <paramref name="since"/>; returns how many.</summary>
    ValueTask<int> RecoverDeliveriesAsync(string organizationId, string automationId, DateTimeOffset since, int limit, DateTimeOffset now);

    /// <summary>Queues a delivery of an event to each active webhook of one automation; returns the delivery ids.</summary>
    ValueTask<IReadOnlyList<string>> QueueAutomationDeliveriesAsync(string organizationId, string automationId, string eventId, DateTimeOffset now);
}
