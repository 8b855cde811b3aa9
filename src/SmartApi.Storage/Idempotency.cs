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

public partial interface ISmartApiStore
{
    Task<IdempotencyRecord?> GetIdempotencyRecordAsync(string apiKeyId, string key, CancellationToken cancellationToken = default);
}

public partial interface IStoreTransaction
{
    /// <summary>
    /// Claims a key for a request: inserts the record, or takes over one left unfinished since
    /// before <paramref name="abandonedBefore"/> (its request died) or created before
    /// <paramref name="expiredBefore"/>. False when another request holds it or it is answered.
    /// </summary>
    ValueTask<bool> TryClaimIdempotencyKeyAsync(IdempotencyRecord record, DateTimeOffset abandonedBefore, DateTimeOffset expiredBefore);

    /// <summary>Stores the response of a claimed key.</summary>
    ValueTask CompleteIdempotencyKeyAsync(string apiKeyId, string key, int status, string? headersJson, byte[] body);

    /// <summary>Gives a claimed key back (the request failed before answering), so a retry can run.</summary>
    ValueTask ReleaseIdempotencyKeyAsync(string apiKeyId, string key);

    /// <summary>Deletes records created before <paramref name="before"/>, at most <paramref name="batchSize"/>.</summary>
    ValueTask<int> PruneIdempotencyKeysAsync(DateTimeOffset before, int batchSize);
}
