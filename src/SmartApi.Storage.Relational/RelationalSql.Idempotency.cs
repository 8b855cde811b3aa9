namespace SmartApi.Storage.Relational;

internal abstract partial class RelationalSql
{
    public const string GetIdempotencyRecord =
        "SELECT organization_id, api_key_id, key, request_hash, response_status AS status, response_headers AS headers_json, response_body AS body, created_at " +
        "FROM idempotency_keys WHERE api_key_id = @apiKey AND key = @key";
    public const string ClaimIdempotencyKey =
        "INSERT INTO idempotency_keys (api_key_id, key, organization_id, request_hash, created_at) VALUES (@apiKey, @key, @org, @hash, @at) " +
        "ON CONFLICT (api_key_id, key) DO UPDATE SET request_hash = excluded.request_hash, created_at = excluded.created_at, " +
        "response_status = NULL, response_headers = NULL, response_body = NULL " +
        "WHERE (idempotency_keys.response_status IS NULL AND idempotency_keys.created_at < @abandonedBefore) " +
        "OR idempotency_keys.created_at < @expiredBefore";
    public const string CompleteIdempotencyKey =
        "UPDATE idempotency_keys SET response_status = @status, response_headers = @headers, response_body = @body WHERE api_key_id = @apiKey AND key = @key";
    public const string ReleaseIdempotencyKey =
        "DELETE FROM idempotency_keys WHERE api_key_id = @apiKey AND key = @key AND response_status IS NULL";
    public const string PruneIdempotencyKeys =
        "DELETE FROM idempotency_keys WHERE (api_key_id, key) IN (SELECT api_key_id, key FROM idempotency_keys WHERE created_at < @before LIMIT @limit)";
}
