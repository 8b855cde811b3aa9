using Dapper;

namespace SmartApi.Storage.Relational;

public abstract partial class RelationalSmartApiStore
{
    public async Task<Budget?> GetBudgetAsync(string organizationId, string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return (await connection.QuerySingleOrDefaultAsync<BudgetRow>(RelationalSql.GetBudget, new { org = organizationId, id }))?.ToEntity();
    }

    public async Task<PageResult<Budget>> ListBudgetsAsync(string organizationId, PageRequest page, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<BudgetRow>(RelationalSql.ListBudgets, new { org = organizationId, after = page.After ?? "", limit = page.Limit + 1 });
        return PageResult.From(rows.Select(r => r.ToEntity()), page.Limit);
    }

    public async Task<int> CountBudgetsAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return (int)await connection.ExecuteScalarAsync<long>(RelationalSql.CountBudgets, new { org = organizationId });
    }

    public async Task<PageResult<Budget>> ListAllBudgetsAsync(PageRequest page, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<BudgetRow>(RelationalSql.ListAllBudgets, new { after = page.After ?? "", limit = page.Limit + 1 });
        return PageResult.From(rows.Select(r => r.ToEntity()), page.Limit);
    }
}
