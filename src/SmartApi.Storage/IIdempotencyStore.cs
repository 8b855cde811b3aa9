namespace SmartApi.Storage;

/// <summary>The stored first answers to POSTs sent with an <c>Idempotency-Key</c>.</summary>
public interface IIdempotencyStore
{
    Task<IdempotencyRecord?> GetIdempotencyRecordAsync(string apiKeyId, string key, CancellationToken cancellationToken = default);
}

/// <summary>Claiming, answering and releasing idempotency keys inside a write transaction.</summary>
public interface IIdempotencyTransaction
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
}
