using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using SmartApi.Contracts;
using SmartApi.Server.ApiKeys;
using SmartApi.Server.Devices;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Budgets;

/// <summary>
/// <c>/v1/budgets</c>: a limit on a device's or a tag's energy or cost per local day or month (ADR 037).
/// A budget watches devices, so reading needs <c>devices:read</c> and changing it <c>devices:write</c>.
/// </summary>
internal static class BudgetsApi
{
    public const int MaxName = 100;

    public static RouteGroupBuilder MapBudgets(this IEndpointRouteBuilder routes)
    {
        var budgets = routes.MapGroup("/v1/budgets").WithTags("Budgets");

        var read = budgets.MapGroup("").RequireScope(Scopes.DevicesRead);
        read.MapGet("/", List).WithName("ListBudgets").WithSummary("List the organization's budgets, oldest first.");
        read.MapGet("/{id}", Get).WithName("GetBudget").WithSummary("Get a budget.").ProducesProblem(StatusCodes.Status404NotFound);

        var write = budgets.MapGroup("").RequireScope(Scopes.DevicesWrite);
        write.MapPost("/", Create).WithName("CreateBudget")
            .WithSummary("Create a budget on a device or a tag: an energy and/or cost limit per local day or month.")
            .ProducesProblem(StatusCodes.Status403Forbidden);
        write.MapPatch("/{id}", Update).WithName("UpdateBudget")
            .WithSummary("Change a budget's name, period or limits; the device or tag it covers stays.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        write.MapDelete("/{id}", Delete).WithName("DeleteBudget").WithSummary("Delete a budget.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return budgets;
    }

    /// <summary>Creates a budget.</summary>
    /// <param name="request">The budget: a name, a device or a tag, a period and at least one limit.</param>
    private static async Task<Results<Created<BudgetResponse>, ProblemHttpResult>> Create(
        CreateBudgetRequest request, ClaimsPrincipal user, ISmartApiStore store, IdGenerator ids, TimeProvider time,
        IOptions<BudgetOptions> options, CancellationToken cancellationToken)
    {
        var organizationId = user.Caller().OrganizationId;
        var errors = new ValidationErrors();
        Name(request.Name, errors, required: true);
        Period(request.Period, errors, required: true);
        Limits(request.EnergyWh, request.Cost, errors, required: true);
        string? tagKey = null, tagValue = null;
        if ((request.DeviceId is null) == (request.Tag is null))
        {
            errors.Add("deviceId", "Give either deviceId (one device) or tag (key:value, every device with that tag), not both.");
        }
        else if (request.DeviceId is { } deviceId)
        {
            if (!IdGenerator.IsWellFormed(deviceId, "dev") || await store.GetDeviceAsync(organizationId, deviceId, cancellationToken) is null)
            {
                errors.Add("deviceId", $"No device with id '{deviceId}' exists.");
            }
        }
        else if (!TryParseTag(request.Tag!, out tagKey, out tagValue))
        {
            errors.Add("tag", $"tag is key:value, such as room:kitchen, with a key of 1-{DeviceValidation.MaxTagKeyLength} and a value of 1-{DeviceValidation.MaxTagValueLength} characters.");
        }
        if (errors.Any)
        {
            return errors.ToProblem();
        }
        var max = options.Value.MaxPerOrganization;
        var count = await store.CountBudgetsAsync(organizationId, cancellationToken);
        if (count >= max)
        {
            return Problems.QuotaExceeded("budgets", max, count);
        }

        var now = time.GetUtcNow();
        var budget = new Budget(ids.New("bud"), organizationId, request.Name!.Trim(), request.DeviceId, tagKey, tagValue, request.Period!,
            request.EnergyWh, request.Cost, now, now);
        await store.WriteAsync(async tx =>
        {
            await tx.InsertBudgetAsync(budget);
            return true;
        }, cancellationToken);
        return TypedResults.Created($"/v1/budgets/{budget.Id}", ToResponse(budget));
    }

    /// <summary>Lists budgets.</summary>
    /// <param name="limit">Page size, 1-500 (default 50).</param>
    /// <param name="after">The <c>nextCursor</c> of the previous page.</param>
    private static async Task<Results<Ok<Page<BudgetResponse>>, ProblemHttpResult>> List(
        ClaimsPrincipal user, IBudgetStore store, int? limit, string? after, CancellationToken cancellationToken)
    {
        if (!Paging.TryCreate(limit, after, "bud", out var page, out var problem))
        {
            return problem!;
        }
        var result = await store.ListBudgetsAsync(user.Caller().OrganizationId, page, cancellationToken);
        return TypedResults.Ok(Paging.ToPage(result, ToResponse, b => b.Id));
    }

    /// <summary>Gets a budget.</summary>
    /// <param name="id">The budget (<c>bud_...</c>).</param>
    private static async Task<Results<Ok<BudgetResponse>, ProblemHttpResult>> Get(
        string id, ClaimsPrincipal user, IBudgetStore store, CancellationToken cancellationToken) =>
        await store.GetBudgetAsync(user.Caller().OrganizationId, id, cancellationToken) is { } budget
            ? TypedResults.Ok(ToResponse(budget))
            : Problems.NotFound("budget", id);

    /// <summary>Changes a budget.</summary>
    /// <param name="id">The budget (<c>bud_...</c>).</param>
    /// <param name="request">The members to replace.</param>
    private static async Task<Results<Ok<BudgetResponse>, ProblemHttpResult>> Update(
        string id, UpdateBudgetRequest request, ClaimsPrincipal user, ISmartApiStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        Name(request.Name, errors, required: false);
        Period(request.Period, errors, required: false);
        Limits(request.EnergyWh, request.Cost, errors, required: false);
        if (errors.Any)
        {
            return errors.ToProblem();
        }
        var organizationId = user.Caller().OrganizationId;
        if (await store.GetBudgetAsync(organizationId, id, cancellationToken) is not { } budget)
        {
            return Problems.NotFound("budget", id);
        }
        var changed = budget with
        {
            Name = request.Name?.Trim() ?? budget.Name,
            Period = request.Period ?? budget.Period,
            EnergyWh = request.EnergyWh ?? budget.EnergyWh,
            Cost = request.Cost ?? budget.Cost,
            UpdatedAt = time.GetUtcNow(),
        };
        return await store.WriteAsync(tx => tx.UpdateBudgetAsync(changed), cancellationToken)
            ? TypedResults.Ok(ToResponse(changed))
            : Problems.NotFound("budget", id);
    }

    /// <summary>Deletes a budget.</summary>
    /// <param name="id">The budget (<c>bud_...</c>).</param>
    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        string id, ClaimsPrincipal user, ISmartApiStore store, CancellationToken cancellationToken)
    {
        var organizationId = user.Caller().OrganizationId;
        return await store.WriteAsync(tx => tx.DeleteBudgetAsync(organizationId, id), cancellationToken)
            ? TypedResults.NoContent()
            : Problems.NotFound("budget", id);
    }

    /// <summary>Splits <c>key:value</c>; false unless both parts are present and within the device tag lengths.</summary>
    public static bool TryParseTag(string tag, out string? key, out string? value)
    {
        var selector = TagSelector.Parse(tag);
        (key, value) = (selector.Key, selector.Value);
        return selector.IsWithinLimits && value is { Length: > 0 };
    }

    private static void Name(string? name, ValidationErrors errors, bool required)
    {
        if (name is null ? required : name.Trim().Length is 0 or > MaxName || name.Any(char.IsControl))
        {
            errors.Add("name", $"name is 1-{MaxName} characters, without control characters.");
        }
    }

    private static void Period(string? period, ValidationErrors errors, bool required)
    {
        if (period is null ? required : period is not (BudgetPeriods.Day or BudgetPeriods.Month))
        {
            errors.Add("period", "period is day or month (in the organization's time zone).");
        }
    }

    private static void Limits(double? energyWh, double? cost, ValidationErrors errors, bool required)
    {
        if (required && energyWh is null && cost is null)
        {
            errors.Add("energyWh", "Give energyWh (Wh), cost (in the tariff's currency) or both.");
        }
        if (energyWh is { } wh && !(wh > 0 && wh <= BudgetPeriods.MaxEnergyWh))
        {
            errors.Add("energyWh", $"energyWh is a number of Wh above 0, at most {BudgetPeriods.MaxEnergyWh:0}.");
        }
        if (cost is { } c && !(c > 0 && c <= BudgetPeriods.MaxCost))
        {
            errors.Add("cost", $"cost is an amount above 0, at most {BudgetPeriods.MaxCost:0}.");
        }
    }

    public static BudgetResponse ToResponse(Budget budget) => new(
        budget.Id, budget.Name, budget.DeviceId, budget.TagKey is null ? null : $"{budget.TagKey}:{budget.TagValue}",
        budget.Period, budget.EnergyWh, budget.Cost, budget.CreatedAt, budget.UpdatedAt);
}
