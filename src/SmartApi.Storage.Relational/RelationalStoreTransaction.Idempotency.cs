namespace SmartApi.Storage.Relational;

internal abstract partial class RelationalStoreTransaction
{
    public async ValueTask<bool> TryClaimIdempotencyKeyAsync(IdempotencyRecord record, DateTimeOffset abandonedBefore, DateTimeOffset expiredBefore) =>
        await ExecuteAsync(RelationalSql.ClaimIdempotencyKey, new
        {
            apiKey = record.ApiKeyId,
            key = record.Key,
            org = record.OrganizationId,
            hash = record.RequestHash,
            at = Ms.Of(record.CreatedAt),
            abandonedBefore = Ms.Of(abandonedBefore),
            expiredBefore = Ms.Of(expiredBefore),
        }) == 1;

    public async ValueTask CompleteIdempotencyKeyAsync(string apiKeyId, string key, int status, string? headersJson, byte[] body) =>
        await ExecuteAsync(RelationalSql.CompleteIdempotencyKey,
            new { apiKey = apiKeyId, key, status = (long)status, headers = headersJson, body });

    public async ValueTask ReleaseIdempotencyKeyAsync(string apiKeyId, string key) =>
        await ExecuteAsync(RelationalSql.ReleaseIdempotencyKey, new { apiKey = apiKeyId, key });

    public async ValueTask<int> PruneIdempotencyKeysAsync(DateTimeOffset before, int batchSize) =>
        await ExecuteAsync(RelationalSql.PruneIdempotencyKeys, new { before = Ms.Of(before), limit = batchSize });
}
