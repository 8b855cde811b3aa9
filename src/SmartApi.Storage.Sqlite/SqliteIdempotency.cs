using Dapper;

namespace SmartApi.Storage.Sqlite;

internal sealed partial class SqliteStoreTransaction
{
    public async ValueTask<bool> TryClaimIdempotencyKeyAsync(IdempotencyRecord record, DateTimeOffset abandonedBefore, DateTimeOffset expiredBefore) =>
        await connection.ExecuteAsync(Sql.ClaimIdempotencyKey, new
        {
            apiKey = record.ApiKeyId,
            key = record.Key,
            org = record.OrganizationId,
            hash = record.RequestHash,
            at = Ms.Of(record.CreatedAt),
            abandonedBefore = Ms.Of(abandonedBefore),
            expiredBefore = Ms.Of(expiredBefore),
        }, transaction) == 1;

    public async ValueTask CompleteIdempotencyKeyAsync(string apiKeyId, string key, int status, string? headersJson, byte[] body) =>
        await connection.ExecuteAsync(Sql.CompleteIdempotencyKey,
            new { apiKey = apiKeyId, key, status, headers = headersJson, body }, transaction);

    public async ValueTask ReleaseIdempotencyKeyAsync(string apiKeyId, string key) =>
        await connection.ExecuteAsync(Sql.ReleaseIdempotencyKey, new { apiKey = apiKeyId, key }, transaction);

    public async ValueTask<int> PruneIdempotencyKeysAsync(DateTimeOffset before, int batchSize) =>
        await connection.ExecuteAsync(Sql.PruneIdempotencyKeys, new { before = Ms.Of(before), limit = batchSize }, transaction);
}
