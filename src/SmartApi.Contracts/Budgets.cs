using System.Text.Json.Serialization;

namespace SmartApi.Contracts;

/// <summary>Body of <c>POST /v1/budgets</c>.</summary>
/// <param name="Name">1-100 characters.</param>
/// <param name="DeviceId">The one device the budget covers (<c>dev_...</c>); give this or <paramref name="Tag"/>.</param>
/// <param name="Tag">Every device with this tag, as <c>key:value</c> (such as <c>room:kitchen</c>); give this or <paramref name="DeviceId"/>.</param>
/// <param name="Period"><c>day</c> or <c>month</c>, in the organization's time zone.</param>
/// <param name="EnergyWh">The energy limit in Wh for the period; this and/or <paramref name="Cost"/>.</param>
/// <param name="Cost">The cost limit for the period, in the tariff's currency; this and/or <paramref name="EnergyWh"/>.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record CreateBudgetRequest(
    string? Name,
    string? DeviceId = null,
    string? Tag = null,
    string? Period = null,
    double? EnergyWh = null,
    double? Cost = null);

/// <summary>Body of <c>PATCH /v1/budgets/{id}</c>: the members given replace the budget's; the device or tag it covers stays.</summary>
/// <param name="Name">1-100 characters.</param>
/// <param name="Period"><c>day</c> or <c>month</c>.</param>
/// <param name="EnergyWh">The energy limit in Wh.</param>
/// <param name="Cost">The cost limit, in the tariff's currency.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record UpdateBudgetRequest(string? Name = null, string? Period = null, double? EnergyWh = null, double? Cost = null);

/// <summary>
/// An energy budget: when the consumption (or cost) of its device or tag in the current local day or month
/// passes a limit, <c>energy.budget_exceeded</c> is emitted once for that period.
/// </summary>
public sealed record BudgetResponse(
    string Id,
    string Name,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DeviceId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Tag,
    string Period,
    double? EnergyWh,
    double? Cost,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);
