namespace SmartApi.Storage.Relational;

internal abstract partial class RelationalStoreTransaction
{
    public async ValueTask InsertBudgetAsync(Budget budget) => await ExecuteAsync(RelationalSql.InsertBudget, BudgetRow.Parameters(budget));

    public async ValueTask<bool> UpdateBudgetAsync(Budget budget) => await ExecuteAsync(RelationalSql.UpdateBudget, BudgetRow.Parameters(budget)) == 1;

    public async ValueTask<bool> DeleteBudgetAsync(string organizationId, string id)
    {
        await ExecuteAsync(RelationalSql.DeleteBudgetClaims, new { org = organizationId, id });
        return await ExecuteAsync(RelationalSql.DeleteBudget, new { org = organizationId, id }) == 1;
    }

    public async ValueTask<bool> TryClaimBudgetPeriodAsync(string organizationId, string budgetId, DateTimeOffset periodStart, DateTimeOffset now) =>
        await ExecuteAsync(RelationalSql.ClaimBudgetPeriod, new { budget = budgetId, start = Ms.Of(periodStart), org = organizationId, now = Ms.Of(now) }) == 1;

    public async ValueTask<bool> TryClaimDailyEnergyReportAsync(string organizationId, DateTimeOffset periodStart, DateTimeOffset now) =>
        await ExecuteAsync(RelationalSql.ClaimDailyEnergyReport, new { org = organizationId, start = Ms.Of(periodStart), now = Ms.Of(now) }) == 1;
}
