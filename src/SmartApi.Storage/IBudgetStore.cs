namespace SmartApi.Storage;

/// <summary>Energy budgets: a limit on a device's or a tag's energy or cost per local day or month.</summary>
public interface IBudgetStore
{
    Task<Budget?> GetBudgetAsync(string organizationId, string id, CancellationToken cancellationToken = default);

    /// <summary>The organization's budgets in id (creation) order.</summary>
    Task<PageResult<Budget>> ListBudgetsAsync(string organizationId, PageRequest page, CancellationToken cancellationToken = default);

    /// <summary>How many budgets the organization has (for its quota).</summary>
    Task<int> CountBudgetsAsync(string organizationId, CancellationToken cancellationToken = default);

    /// <summary>Every organization's budgets in id order, after the cursor (an id): what the budget monitor walks.</summary>
    Task<PageResult<Budget>> ListAllBudgetsAsync(PageRequest page, CancellationToken cancellationToken = default);
}

/// <summary>Budgets and their once-per-period claims inside a write transaction.</summary>
public interface IBudgetTransaction
{
    ValueTask InsertBudgetAsync(Budget budget);

    /// <summary>Replaces the budget's name, selection, period and limits; false when there is no such budget in the organization.</summary>
    ValueTask<bool> UpdateBudgetAsync(Budget budget);

    /// <summary>Deletes the budget and its claims; false when there is no such budget in the organization.</summary>
    ValueTask<bool> DeleteBudgetAsync(string organizationId, string id);

    /// <summary>
    /// Claims the budget's period starting at <paramref name="periodStart"/>: true for the first caller on any
    /// node, false ever after. Written in the transaction that appends <c>energy.budget_exceeded</c>, so the
    /// event exists exactly once per budget and period.
    /// </summary>
    ValueTask<bool> TryClaimBudgetPeriodAsync(string organizationId, string budgetId, DateTimeOffset periodStart, DateTimeOffset now);
}

/// <summary>
/// A budget over one device (<paramref name="DeviceId"/>) or every device with a tag
/// (<paramref name="TagKey"/>:<paramref name="TagValue"/>); <paramref name="Period"/> is <c>day</c> or
/// <c>month</c> in the organization's time zone; at least one of <paramref name="EnergyWh"/> and
/// <paramref name="Cost"/> is set.
/// </summary>
public sealed record Budget(
    string Id,
    string OrganizationId,
    string Name,
    string? DeviceId,
    string? TagKey,
    string? TagValue,
    string Period,
    double? EnergyWh,
    double? Cost,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);
