namespace SmartApi.Storage.Relational;

internal abstract partial class RelationalStoreTransaction
{
    public async ValueTask InsertPortalSessionAsync(PortalSession session) =>
        await ExecuteAsync(RelationalSql.InsertPortalSession, PortalSessionRow.Parameters(session));

    public async ValueTask<bool> RevokePortalSessionAsync(string organizationId, string id, DateTimeOffset at) =>
        await ExecuteAsync(RelationalSql.RevokePortalSession, new { org = organizationId, id, at = Ms.Of(at) }) == 1;

    public async ValueTask<int> PrunePortalSessionsAsync(DateTimeOffset before, int batchSize) =>
        await ExecuteAsync(RelationalSql.PrunePortalSessions, new { before = Ms.Of(before), limit = batchSize });
}
