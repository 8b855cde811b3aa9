namespace SmartApi.Storage;

/// <summary>An automation; <see cref="DefinitionJson"/> is the server's own JSON of trigger, conditions and actions.</summary>
public sealed record Automation(
    string Id,
    string OrganizationId,
    string Name,
    bool Enabled,
    string DefinitionJson,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

public static class WebhookStatus
{
    public const string Active = "active";
    public const string Disabled = "disabled";
    public const string Removed = "removed";
}

/// <summary>A webhook action of an automation: where deliveries go.</summary>
public sealed record Webhook(
    string Id,
    string OrganizationId,
    string AutomationId,
    int ActionIndex,
    string Url,
    string HeadersJson,
    bool Ordered,
    bool StandardWebhooks,
    string Status,
    string? DisabledReason,
    DateTimeOffset? FailingSince,
    DateTimeOffset CreatedAt);

/// <summary>What a webhook listens to: an event type (or <c>*</c>) and optionally one device.</summary>
public sealed record Subscription(string EventType, string? DeviceId);

/// <summary>A webhook definition to store with an automation; the store keeps ids of existing action indexes.</summary>
public sealed record WebhookDefinition(int ActionIndex, string Url, string HeadersJson, bool Ordered, bool StandardWebhooks, WebhookLimits? Limits = null);

public sealed record AutomationSecret(string Id, string AutomationId, string Ciphertext, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt);

public static class DeliveryStatus
{
    public const string Pending = "pending";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
}

public sealed record Delivery(
    string Id,
    string OrganizationId,
    string AutomationId,
    string WebhookId,
    string EventId,
    string EventType,
    string? DeviceId,
    string Status,
    int Attempts,
    DateTimeOffset NextAttemptAt,
    int? LastStatusCode,
    string? LastError,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? ErasedAt = null,
    string? HeldReason = null);

public sealed record DeliveryAttempt(
    string DeliveryId,
    int Number,
    DateTimeOffset StartedAt,
    int? StatusCode,
    int DurationMs,
    string? Error,
    string? ResponseBody,
    string? RequestHeadersJson = null);

/// <summary>A delivery a worker holds a lease on, with what it needs to send it.</summary>
public sealed record ClaimedDelivery(Delivery Delivery, Webhook Webhook, StoredEvent Event);

/// <summary>The result of one attempt: the attempt record and where the delivery goes next.</summary>
public sealed record DeliveryOutcome(
    string DeliveryId,
    DeliveryAttempt Attempt,
    string Status,
    DateTimeOffset NextAttemptAt,
    string WebhookId,
    bool WebhookSucceeded);

/// <summary>
/// Which deliveries a list or a bulk retry reaches. <see cref="From"/> is inclusive and
/// <see cref="To"/> exclusive, both on the delivery's creation time.
/// <see cref="NewestFirst"/> lists in descending id order (the cursor is then the last id seen, and
/// the next page holds the older ones).
/// </summary>
public sealed record DeliveryFilter(
    string? AutomationId = null,
    string? EventId = null,
    string? Status = null,
    string? EventType = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    bool NewestFirst = false);

/// <summary>What one bulk retry queued, and whether failed deliveries matching the filter remain.</summary>
public sealed record RetriedDeliveries(int Queued, bool More);

/// <summary>The states of a webhook's circuit (ADR 041).</summary>
public static class CircuitState
{
    public const string Closed = "closed";
    public const string Open = "open";
    public const string HalfOpen = "half_open";
}

/// <summary>
/// A webhook's throttling and circuit-breaker settings. No <see cref="RatePerSecond"/> means no rate
/// limit; a <see cref="FailureThreshold"/> of 0 means no circuit breaker.
/// </summary>
public sealed record WebhookLimits(double? RatePerSecond, int? RateBurst, int FailureThreshold, TimeSpan ProbeInterval)
{
    public static WebhookLimits Default { get; } = new(null, null, 5, TimeSpan.FromSeconds(30));
}

/// <summary>A webhook's limits and the circuit state every node shares.</summary>
public sealed record WebhookCircuit(
    string WebhookId,
    WebhookLimits Limits,
    string State,
    int FailureStreak,
    DateTimeOffset? NextProbeAt,
    DateTimeOffset? ChangedAt);

/// <summary>Why the engine postponed a delivery without an attempt.</summary>
public static class HeldReason
{
    public const string CircuitOpen = "circuit_open";
    public const string RateLimit = "rate_limit";
}
