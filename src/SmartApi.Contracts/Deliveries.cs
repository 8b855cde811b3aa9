namespace SmartApi.Contracts;

/// <summary>One event sent (or to be sent) to one webhook.</summary>
/// <param name="Status"><c>pending</c> (queued or waiting to retry), <c>succeeded</c>, or <c>failed</c> (retries used up, or the webhook was disabled).</param>
/// <param name="NextAttemptAt">When a pending delivery is tried next.</param>
/// <param name="Attempts">Each try, oldest first (only in <c>GET /v1/deliveries/{id}</c>).</param>
public sealed record DeliveryResponse(
    string Id,
    string AutomationId,
    string EventId,
    string EventType,
    string Url,
    string Status,
    int AttemptCount,
    DateTimeOffset? NextAttemptAt,
    int? LastStatusCode,
    string? LastError,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<DeliveryAttemptResponse>? Attempts = null);

/// <summary>One try of a delivery.</summary>
/// <param name="StatusCode">The receiver's HTTP status, or null when no response came (timeout, refused connection, blocked address).</param>
/// <param name="ResponseBody">The first 1 KiB of the response body.</param>
public sealed record DeliveryAttemptResponse(int Number, DateTimeOffset StartedAt, int? StatusCode, int DurationMs, string? Error, string? ResponseBody);
