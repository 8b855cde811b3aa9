namespace SmartApi.Storage.Relational;

internal abstract partial class RelationalStoreTransaction
{
    public async ValueTask InsertConsoleSessionAsync(ConsoleSession session) =>
        await ExecuteAsync(RelationalSql.InsertConsoleSession, new
        {
            id = session.Id,
            org = session.OrganizationId,
            apiKey = session.ApiKeyId,
            hash = session.TokenHash,
            createdAt = Ms.Of(session.CreatedAt),
            lastSeenAt = Ms.Of(session.LastSeenAt),
            expiresAt = Ms.Of(session.ExpiresAt),
            idleTimeout = (long)session.IdleTimeout.TotalMilliseconds,
        });

    public async ValueTask<bool> TouchConsoleSessionAsync(string id, DateTimeOffset at) =>
        await ExecuteAsync(RelationalSql.TouchConsoleSession, new { id, at = Ms.Of(at) }) == 1;

    public async ValueTask<bool> RevokeConsoleSessionAsync(string id, DateTimeOffset at) =>
        await ExecuteAsync(RelationalSql.RevokeConsoleSession, new { id, at = Ms.Of(at) }) == 1;

    public async ValueTask<int> PruneConsoleSessionsAsync(DateTimeOffset before, int batchSize) =>
        await ExecuteAsync(RelationalSql.PruneConsoleSessions, new { before = Ms.Of(before), limit = batchSize });

    public async ValueTask StoreDataProtectionKeyAsync(DataProtectionKeyRecord key) =>
        await ExecuteAsync(RelationalSql.StoreDataProtectionKey, new { name = key.FriendlyName, xml = key.Xml, at = Ms.Of(key.CreatedAt) });
}
