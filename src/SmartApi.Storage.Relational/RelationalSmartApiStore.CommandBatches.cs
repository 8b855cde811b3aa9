using Dapper;

namespace SmartApi.Storage.Relational;

public abstract partial class RelationalSmartApiStore
{
    public async Task<IReadOnlyList<Command>> ListBatchCommandsAsync(string organizationId, string batchId, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return [.. (await connection.QueryAsync<CommandRow>(RelationalSql.ListBatchCommands, new { org = organizationId, batch = batchId })).Select(r => r.ToEntity())];
    }
}
