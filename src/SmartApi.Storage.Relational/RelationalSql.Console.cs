namespace SmartApi.Storage.Relational;

internal abstract partial class RelationalSql
{
    public const string FindConsoleSession =
        "SELECT id, organization_id, api_key_id, token_hash, created_at, last_seen_at, expires_at, idle_timeout_ms, revoked_at " +
        "FROM console_sessions WHERE token_hash = @hash";
    public const string InsertConsoleSession =
        "INSERT INTO console_sessions (id, organization_id, api_key_id, token_hash, created_at, last_seen_at, expires_at, idle_timeout_ms) " +
        "VALUES (@id, @org, @apiKey, @hash, @createdAt, @lastSeenAt, @expiresAt, @idleTimeout)";
    // Only forward, and never for a session that has ended: a late touch cannot revive it.
    public const string TouchConsoleSession =
        "UPDATE console_sessions SET last_seen_at = @at " +
        "WHERE id = @id AND revoked_at IS NULL AND last_seen_at < @at AND expires_at > @at AND last_seen_at + idle_timeout_ms > @at";
    public const string RevokeConsoleSession =
        "UPDATE console_sessions SET revoked_at = @at WHERE id = @id AND revoked_at IS NULL";
    public const string PruneConsoleSessions =
        "DELETE FROM console_sessions WHERE id IN (SELECT id FROM console_sessions " +
        "WHERE expires_at < @before OR revoked_at < @before OR last_seen_at + idle_timeout_ms < @before LIMIT @limit)";

    public const string ListDataProtectionKeys =
        "SELECT friendly_name, xml, created_at FROM data_protection_keys ORDER BY created_at, friendly_name";
    public const string StoreDataProtectionKey =
        "INSERT INTO data_protection_keys (friendly_name, xml, created_at) VALUES (@name, @xml, @at) " +
        "ON CONFLICT (friendly_name) DO UPDATE SET xml = excluded.xml, created_at = excluded.created_at";
}
