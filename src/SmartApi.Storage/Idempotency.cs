namespace SmartApi.Storage;

/// <summary>
/// The stored first answer to a POST sent with an <c>Idempotency-Key</c>; <see cref="Status"/> is null while it is being handled.
/// A record belongs to the API key that sent the request (<see cref="ApiKeyId"/> and <see cref="Key"/> are its identity):
/// another key sending the same <c>Idempotency-Key</c> is another request, so a stored answer is only ever replayed
/// to the caller that received it first.
/// </summary>
public sealed record IdempotencyRecord(
    string OrganizationId,
    string ApiKeyId,
    string Key,
    byte[] RequestHash,
    int? Status,
    string? HeadersJson,
    byte[]? Body,
    DateTimeOffset CreatedAt);
