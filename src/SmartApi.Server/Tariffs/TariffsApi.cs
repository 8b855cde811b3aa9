using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using SmartApi.Contracts;
using SmartApi.Server.ApiKeys;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Tariffs;

/// <summary><c>/v1/tariffs</c>: prices per kWh by validity period and time-of-use band, fixed fees, and what they apply to (ADR 034).</summary>
internal static class TariffsApi
{
    public static RouteGroupBuilder MapTariffs(this IEndpointRouteBuilder routes)
    {
        var tariffs = routes.MapGroup("/v1/tariffs").WithTags("Tariffs");

        var read = tariffs.MapGroup("").RequireScope(Scopes.TariffsRead);
        read.MapGet("/", List).WithName("ListTariffs").WithSummary("List the organization's tariffs, oldest first.");
        read.MapGet("/{id}", Get).WithName("GetTariff").WithSummary("Get a tariff.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        var write = tariffs.MapGroup("").RequireScope(Scopes.TariffsWrite);
        write.MapPost("/", Create).WithName("CreateTariff")
            .WithSummary("Create a tariff; a target (the organization, a tag, a device) another tariff holds is a 409 naming it.");
        write.MapPatch("/{id}", Update).WithName("UpdateTariff")
            .WithSummary("Change a tariff: members left out keep their value; periods and appliesTo are replaced whole.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        write.MapDelete("/{id}", Delete).WithName("DeleteTariff").WithSummary("Delete a tariff; what it applied to is priced by the next tariff that applies, if any.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return tariffs;
    }

    private static async Task<Results<Created<TariffResponse>, ProblemHttpResult>> Create(
        CreateTariffRequest request, ClaimsPrincipal user, TariffService tariffs, CancellationToken cancellationToken)
    {
        var organizationId = user.Caller().OrganizationId;
        var errors = new ValidationErrors();
        var name = TariffValidation.Name(request.Name, errors, required: true);
        TariffValidation.Currency(request.Currency, errors, required: true);
        var periods = TariffValidation.Periods(request.Periods, errors, required: true);
        var targets = TariffValidation.Targets(request.AppliesTo, errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }
        var written = await tariffs.CreateAsync(organizationId, name!, request.Currency!, periods!, targets, cancellationToken);
        return written.Tariff is { } tariff
            ? TypedResults.Created($"/v1/tariffs/{tariff.Id}", ToResponse(tariff))
            : Refused(written, request.AppliesTo);
    }

    private static async Task<Results<Ok<Page<TariffResponse>>, ProblemHttpResult>> List(
        ClaimsPrincipal user, ITariffStore store, int? limit, string? after, CancellationToken cancellationToken)
    {
        if (!Paging.TryCreate(limit, after, "trf", out var page, out var problem))
        {
            return problem!;
        }
        var result = await store.ListTariffsAsync(user.Caller().OrganizationId, page, cancellationToken);
        return TypedResults.Ok(Paging.ToPage(result, ToResponse, t => t.Id));
    }

    private static async Task<Results<Ok<TariffResponse>, ProblemHttpResult>> Get(
        string id, ClaimsPrincipal user, ITariffStore store, CancellationToken cancellationToken) =>
        await store.GetTariffAsync(user.Caller().OrganizationId, id, cancellationToken) is { } tariff
            ? TypedResults.Ok(ToResponse(tariff))
            : Problems.NotFound("tariff", id);

    private static async Task<Results<Ok<TariffResponse>, ProblemHttpResult>> Update(
        string id, UpdateTariffRequest request, ClaimsPrincipal user, TariffService tariffs, CancellationToken cancellationToken)
    {
        var organizationId = user.Caller().OrganizationId;
        var errors = new ValidationErrors();
        var name = TariffValidation.Name(request.Name, errors, required: false);
        TariffValidation.Currency(request.Currency, errors, required: false);
        var periods = TariffValidation.Periods(request.Periods, errors, required: false);
        var targets = request.AppliesTo is null ? null : TariffValidation.Targets(request.AppliesTo, errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }
        var written = await tariffs.UpdateAsync(organizationId, id, name, request.Currency, periods, targets, cancellationToken);
        return written switch
        {
            { Tariff: { } tariff } => TypedResults.Ok(ToResponse(tariff)),
            { Conflict: null, MissingDevices: null } => Problems.NotFound("tariff", id),
            _ => Refused(written, request.AppliesTo),
        };
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        string id, ClaimsPrincipal user, TariffService tariffs, CancellationToken cancellationToken) =>
        await tariffs.DeleteAsync(user.Caller().OrganizationId, id, cancellationToken)
            ? TypedResults.NoContent()
            : Problems.NotFound("tariff", id);

    /// <summary>
    /// A write the service refused: 400 at each device id of <paramref name="appliesTo"/> that is no device
    /// of the organization (a foreign one looks like no device at all), else 409 for a target taken.
    /// </summary>
    private static ProblemHttpResult Refused(TariffWrite written, TariffAppliesTo? appliesTo)
    {
        if (written.MissingDevices is not { } missing)
        {
            return TargetTaken(written.Conflict);
        }
        var errors = new ValidationErrors();
        var ids = appliesTo?.DeviceIds ?? [];
        for (var i = 0; i < ids.Count; i++)
        {
            if (missing.Contains(ids[i], StringComparer.Ordinal))
            {
                errors.Add($"appliesTo.deviceIds[{i}]", $"No device with id '{ids[i]}' exists.");
            }
        }
        return errors.ToProblem();
    }

    private static ProblemHttpResult TargetTaken(TariffClaim? claim)
    {
        if (claim is not { TariffId.Length: > 0 })
        {
            return Problems.Conflict("tariff_target_taken", "Another tariff claimed one of these targets at the same time; read the tariffs and try again.");
        }
        var what = claim.Target == TariffText.OrganizationTarget ? "The organization"
            : claim.Target.StartsWith(TariffText.TagTargetPrefix, StringComparison.Ordinal) ? $"The tag '{claim.Target[TariffText.TagTargetPrefix.Length..]}'"
            : $"The device '{claim.Target[TariffText.DeviceTargetPrefix.Length..]}'";
        return TypedResults.Problem(
            $"{what} already belongs to tariff '{claim.TariffId}': take it out of that tariff's appliesTo first.",
            statusCode: StatusCodes.Status409Conflict, title: "Conflict", type: Problems.TypeBase + "tariff_target_taken",
            extensions: new Dictionary<string, object?> { ["code"] = "tariff_target_taken", ["tariffId"] = claim.TariffId });
    }

    public static TariffResponse ToResponse(Tariff tariff) => new(
        tariff.Id, tariff.OrganizationId, tariff.Name, tariff.Currency, TariffDefinition.FromJson(tariff.Definition).Periods,
        TariffText.AppliesTo(tariff.Targets), tariff.CreatedAt, tariff.UpdatedAt);
}
