namespace SmartApi.Storage.Relational;

internal abstract partial class RelationalStoreTransaction
{
    public async ValueTask<IReadOnlyList<string>> ListDeviceIdsByTagAsync(string organizationId, string tagKey, string? tagValue, int limit) =>
        [.. await QueryAsync<string>(tagValue is null ? Dialect.ListDeviceIdsByTagKey : Dialect.ListDeviceIdsByTag,
            new { org = organizationId, tagKey, tagValue, limit })];

    public async ValueTask<IReadOnlyList<string>> FindDeviceIdsAsync(string organizationId, IReadOnlyCollection<string> ids) =>
        ids.Count == 0 ? [] : [.. await QueryAsync<string>(Dialect.FindDeviceIds, new { org = organizationId, ids = Dialect.IdList(ids) })];

    /// <summary>Dapper runs one prepared statement per row (SQLite's writer is in-process, so a row costs microseconds).</summary>
    public virtual async ValueTask InsertCommandsAsync(IReadOnlyList<Command> commands)
    {
        if (commands.Count == 0)
        {
            return;
        }
        CommandInserted();
        await ExecuteAsync(RelationalSql.InsertCommand, commands.Select(CommandParameters).ToList());
    }
}
