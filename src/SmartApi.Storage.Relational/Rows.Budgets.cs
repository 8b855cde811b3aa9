namespace SmartApi.Storage.Relational;

internal sealed class BudgetRow
{
    public string Id { get; set; } = "";
    public string OrganizationId { get; set; } = "";
    public string Name { get; set; } = "";
    public string? DeviceId { get; set; }
    public string? TagKey { get; set; }
    public string? TagValue { get; set; }
    public string Period { get; set; } = "";
    public double? EnergyWh { get; set; }
    public double? Cost { get; set; }
    public long CreatedAt { get; set; }
    public long UpdatedAt { get; set; }

    public Budget ToEntity() => new(
        Id, OrganizationId, Name, DeviceId, TagKey, TagValue, Period, EnergyWh, Cost, Ms.ToTime(CreatedAt), Ms.ToTime(UpdatedAt));

    public static object Parameters(Budget budget) => new
    {
        budget.Id,
        budget.OrganizationId,
        budget.Name,
        budget.DeviceId,
        budget.TagKey,
        budget.TagValue,
        budget.Period,
        budget.EnergyWh,
        budget.Cost,
        CreatedAt = Ms.Of(budget.CreatedAt),
        UpdatedAt = Ms.Of(budget.UpdatedAt),
    };
}
