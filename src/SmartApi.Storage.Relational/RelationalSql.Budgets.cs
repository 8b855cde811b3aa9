namespace SmartApi.Storage.Relational;

internal abstract partial class RelationalSql
{
    private const string BudgetColumns =
        "id, organization_id, name, device_id, tag_key, tag_value, period, energy_wh, cost, created_at, updated_at";
    public const string InsertBudget =
        "INSERT INTO budgets (" + BudgetColumns + ") VALUES " +
        "(@Id, @OrganizationId, @Name, @DeviceId, @TagKey, @TagValue, @Period, @EnergyWh, @Cost, @CreatedAt, @UpdatedAt)";
    public const string UpdateBudget =
        "UPDATE budgets SET name = @Name, device_id = @DeviceId, tag_key = @TagKey, tag_value = @TagValue, period = @Period, " +
        "energy_wh = @EnergyWh, cost = @Cost, updated_at = @UpdatedAt WHERE organization_id = @OrganizationId AND id = @Id";
    public const string DeleteBudget = "DELETE FROM budgets WHERE organization_id = @org AND id = @id";
    public const string DeleteBudgetClaims = "DELETE FROM budget_claims WHERE organization_id = @org AND budget_id = @id";
    public const string GetBudget = "SELECT " + BudgetColumns + " FROM budgets WHERE organization_id = @org AND id = @id";
    public const string ListBudgets =
        "SELECT " + BudgetColumns + " FROM budgets WHERE organization_id = @org AND id > @after ORDER BY id LIMIT @limit";
    public const string ListAllBudgets = "SELECT " + BudgetColumns + " FROM budgets WHERE id > @after ORDER BY id LIMIT @limit";
    public const string CountBudgets = "SELECT COUNT(*) FROM budgets WHERE organization_id = @org";
    public const string ClaimBudgetPeriod =
        "INSERT INTO budget_claims (budget_id, period_start, organization_id, claimed_at) VALUES (@budget, @start, @org, @now) " +
        "ON CONFLICT (budget_id, period_start) DO NOTHING";
    public const string ClaimDailyEnergyReport =
        "INSERT INTO energy_day_reports (organization_id, period_start, reported_at) VALUES (@org, @start, @now) " +
        "ON CONFLICT (organization_id, period_start) DO NOTHING";
}
