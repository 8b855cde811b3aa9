using System.Text.Json.Serialization;

namespace SmartApi.Contracts;

/// <summary>One event sent (or to be sent) to one webhook.</summary>
/// <param name="Status"><c>pending</c> (queued or waiting to retry), <c>succeeded</c>, or <c>failed</c> (retries used up, or the webhook was disabled).</param>
/// <param name="NextAttemptAt">When a pending delivery is tried next.</param>
/// <param name="Attempts">Each try, oldest first (only in <c>GET /v1/deliveries/{id}</c>).</param>
/// <param name="ErasedAt">When its device's data was erased: its event's data and its attempts' response bodies are gone. Absent otherwise.</param>
/// <param name="HeldBy">A pending delivery the engine postponed without an attempt: <c>circuit_open</c> (until the next probe) or <c>rate_limit</c>. Not a failure; retries are not used up.</param>
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
    IReadOnlyList<DeliveryAttemptResponse>? Attempts = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? ErasedAt = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? HeldBy = null);

/// <summary>One try of a delivery.</summary>
/// <param name="StatusCode">The receiver's HTTP status, or null when no response came (timeout, refused connection, blocked address).</param>
/// <param name="ResponseBody">The first 1 KiB of the response body.</param>
/// <param name="RequestHeaders">
/// The headers sent, name to value, in the order sent: Content-Type, each custom header with the value
/// <c>***</c> (custom headers are secrets), X-Signature, the event and delivery ids, User-Agent and,
/// when on, the Standard Webhooks headers. Null when nothing was sent, and for attempts recorded
/// before the server kept them.
/// </param>
public sealed record DeliveryAttemptResponse(
    int Number, DateTimeOffset StartedAt, int? StatusCode, int DurationMs, string? Error, string? ResponseBody,
    IReadOnlyDictionary<string, string>? RequestHeaders = null);

/// <summary>
/// Which failed deliveries <c>POST /v1/deliveries/retry</c> queues again: the filters of
/// <c>GET /v1/deliveries</c>, each optional. <c>from</c> is inclusive and <c>to</c> exclusive, on the
/// delivery's creation time.
/// </summary>
public sealed record RetryDeliveriesRequest(string? AutomationId = null, string? EventType = null, DateTimeOffset? From = null, DateTimeOffset? To = null);

/// <summary>What one bulk retry queued.</summary>
/// <param name="Queued">How many failed deliveries are pending again (at most 1,000 per call).</param>
/// <param name="More">Whether failed deliveries matching the filter remain: call again until false.</param>
public sealed record RetryDeliveriesResponse(int Queued, bool More);
