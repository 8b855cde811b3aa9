using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using SmartApi.Contracts;
using SmartApi.Server.ApiKeys;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Organizations;

internal static class OrganizationsApi
{
    public static RouteGroupBuilder MapOrganizations(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/organizations").WithTags("Organizations").RequireScope(Scopes.Admin);
        group.MapPost("/", Create).WithName("CreateOrganization").WithSummary("Create an organization (admin).");
        group.MapGet("/", List).WithName("ListOrganizations").WithSummary("List organizations (admin).");
        group.MapGet("/{id}", Get).WithName("GetOrganization").WithSummary("Get an organization (admin).")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPatch("/{id}", Update).WithName("UpdateOrganization")
            .WithSummary("Rename an organization or replace its limits or retention (admin); a member left out keeps its value.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        routes.MapGet("/v1/organization", GetOwn).WithTags("Organizations").RequireApiKey().WithName("GetOwnOrganization")
            .WithSummary("Get the organization of the calling key (any key).");
        routes.MapPatch("/v1/organization", UpdateOwn).WithTags("Organizations").RequireScope(Scopes.KeysManage).WithName("UpdateOwnOrganization")
            .WithSummary("Change the calling key's own organization's settings (its time zone and retention; keys:manage).")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    /// <summary>What any key may know of its own organization: its name and limits (the web console's header shows the name).</summary>
    private static async Task<Results<Ok<OrganizationResponse>, ProblemHttpResult>> GetOwn(
        ClaimsPrincipal user, ISmartApiStore store, OrganizationLimits limits, IOptions<RetentionOptions> retention, CancellationToken cancellationToken)
    {
        var id = user.Caller().OrganizationId;
        return await store.GetOrganizationAsync(id, cancellationToken) is { } organization
            ? TypedResults.Ok(ToResponse(organization, limits, retention.Value))
            : Problems.NotFound("organization", id);
    }

    /// <summary>An organization keeps its own settings (its time zone and retention); its name and limits stay the operator's (admin).</summary>
    private static async Task<Results<Ok<OrganizationResponse>, ProblemHttpResult>> UpdateOwn(
        UpdateOwnOrganizationRequest request, ClaimsPrincipal user, OrganizationService organizations, OrganizationLimits limits,
        IOptions<RetentionOptions> retention, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var timeZone = ValidTimeZone(request.TimeZone, errors);
        var ownRetention = RetentionValidation.ToRetention(request.Retention, errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }
        var id = user.Caller().OrganizationId;
        var organization = await organizations.UpdateAsync(id, null, null, timeZone, ownRetention, cancellationToken);
        return organization is null ? Problems.NotFound("organization", id) : TypedResults.Ok(ToResponse(organization, limits, retention.Value));
    }

    /// <summary>The canonical IANA id of <paramref name="timeZone"/> (null: not given), or an error at <c>timeZone</c>.</summary>
    public static string? ValidTimeZone(string? timeZone, ValidationErrors errors)
    {
        if (timeZone is null)
        {
            return null;
        }
        if (TimeZones.TryFindIana(timeZone, out var zone))
        {
            return zone.Id;
        }
        errors.Add("timeZone", TimeZones.InvalidMessage);
        return null;
    }

    private static async Task<Results<Created<OrganizationResponse>, ProblemHttpResult>> Create(
        CreateOrganizationRequest request, OrganizationService organizations, OrganizationLimits limits, IOptions<RetentionOptions> retention, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 200)
        {
            errors.Add("name", "name is required, 1-200 characters.");
        }
        var timeZone = ValidTimeZone(request.TimeZone, errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }
        var organization = await organizations.CreateAsync(name!, timeZone ?? "UTC", cancellationToken);
        return TypedResults.Created($"/v1/organizations/{organization.Id}", ToResponse(organization, limits, retention.Value));
    }

    private static async Task<Results<Ok<Page<OrganizationResponse>>, ProblemHttpResult>> List(
        ISmartApiStore store, OrganizationLimits limits, IOptions<RetentionOptions> retention, int? limit, string? after,
        CancellationToken cancellationToken)
    {
        if (!Paging.TryCreate(limit, after, "org", out var page, out var problem))
        {
            return problem!;
        }
        var result = await store.ListOrganizationsAsync(page, cancellationToken);
        return TypedResults.Ok(Paging.ToPage(result, o => ToResponse(o, limits, retention.Value), o => o.Id));
    }

    private static async Task<Results<Ok<OrganizationResponse>, ProblemHttpResult>> Get(
        string id, ISmartApiStore store, OrganizationLimits limits, IOptions<RetentionOptions> retention, CancellationToken cancellationToken) =>
        await store.GetOrganizationAsync(id, cancellationToken) is { } organization
            ? TypedResults.Ok(ToResponse(organization, limits, retention.Value))
            : Problems.NotFound("organization", id);

    private static async Task<Results<Ok<OrganizationResponse>, ProblemHttpResult>> Update(
        string id, UpdateOrganizationRequest request, OrganizationService organizations, OrganizationLimits limits,
        IOptions<RetentionOptions> retention, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var name = request.Name?.Trim();
        if (request.Name is not null && (string.IsNullOrEmpty(name) || name.Length > 200))
        {
            errors.Add("name", "name must be 1-200 characters.");
        }
        var overrides = request.Limits is { } settings ? LimitValidation.ToOverrides(settings, errors) : null;
        var timeZone = ValidTimeZone(request.TimeZone, errors);
        var ownRetention = RetentionValidation.ToRetention(request.Retention, errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }
        var organization = await organizations.UpdateAsync(id, name, request.Limits is null ? null : overrides ?? OrganizationLimitOverrides.Empty,
            timeZone, ownRetention, cancellationToken);
        return organization is null ? Problems.NotFound("organization", id) : TypedResults.Ok(ToResponse(organization, limits, retention.Value));
    }

    private static OrganizationResponse ToResponse(Organization o, OrganizationLimits limits, RetentionOptions retention)
    {
        var own = o.Limits ?? OrganizationLimitOverrides.Empty;
        var effective = limits.Resolve(o.Limits);
        var ownRetention = o.Retention ?? OrganizationRetention.Empty;
        var windows = RetentionWindows.Resolve(o.Retention, retention);
        return new(o.Id, o.Name, o.CreatedAt,
            new OrganizationLimitSettings(own.RequestsPerSecond, own.RequestBurst, own.MaxDevices, own.MaxAutomations, own.MaxWebhooks,
                own.DeviceMessagesPerSecond),
            new OrganizationLimitSettings(effective.RequestsPerSecond, effective.RequestBurst, effective.MaxDevices, effective.MaxAutomations,
                effective.MaxWebhooks, (int)Math.Ceiling(effective.DeviceMessagesPerSecond)),
            o.TimeZone,
            new OrganizationRetentionSettings(ownRetention.EventsDays, ownRetention.DeliveriesDays, ownRetention.MeasurementsDays, ownRetention.RollupsDays),
            new OrganizationRetentionSettings(Days(windows.Events), Days(windows.Deliveries), Days(windows.Measurements),
                windows.Rollups is { } rollups ? Days(rollups) : null));
    }

    // The server's windows are TimeSpans (hours allowed); a partial day shows rounded up.
    private static int Days(TimeSpan window) => (int)Math.Min(int.MaxValue, Math.Ceiling(window.TotalDays));
}

internal sealed class OrganizationService(ISmartApiStore store, IdGenerator ids, TimeProvider time, OrganizationLimits limits)
{
    public Organization New(string name, string timeZone = "UTC") => new(ids.New("org"), name, time.GetUtcNow(), TimeZone: timeZone);

    public async Task<Organization> CreateAsync(string name, string timeZone, CancellationToken cancellationToken)
    {
        var organization = New(name, timeZone);
        await store.WriteAsync(async tx =>
        {
            await tx.InsertOrganizationAsync(organization);
            return organization;
        }, cancellationToken);
        return organization;
    }

    /// <summary>Renames the organization, replaces its limits or retention and/or sets its time zone (null: unchanged); null when it does not exist.</summary>
    public async Task<Organization?> UpdateAsync(string id, string? name, OrganizationLimitOverrides? overrides, string? timeZone,
        OrganizationRetention? retention, CancellationToken cancellationToken)
    {
        var found = await store.WriteAsync(async tx =>
            (name is null || await tx.RenameOrganizationAsync(id, name))
            && (overrides is null || await tx.SetOrganizationLimitsAsync(id, overrides.IsEmpty ? null : overrides))
            && (timeZone is null || await tx.SetOrganizationTimeZoneAsync(id, timeZone))
            && (retention is null || await tx.SetOrganizationRetentionAsync(id, retention.IsEmpty ? null : retention)), cancellationToken);
        if (!found)
        {
            return null;
        }
        limits.Invalidate(id);
        return await store.GetOrganizationAsync(id, cancellationToken);
    }
}

/// <summary>Checks the limits an admin sets on an organization.</summary>
internal static class LimitValidation
{
    public const int MaxRate = 1_000_000;
    public const int MaxQuota = 10_000_000;

    public static OrganizationLimitOverrides ToOverrides(OrganizationLimitSettings settings, ValidationErrors errors)
    {
        Check(settings.RequestsPerSecond, "limits.requestsPerSecond", 1, MaxRate, errors);
        Check(settings.RequestBurst, "limits.requestBurst", 1, MaxRate * 10, errors);
        Check(settings.MaxDevices, "limits.maxDevices", 0, MaxQuota, errors);
        Check(settings.MaxAutomations, "limits.maxAutomations", 0, MaxQuota, errors);
        Check(settings.MaxWebhooks, "limits.maxWebhooks", 0, MaxQuota, errors);
        Check(settings.DeviceMessagesPerSecond, "limits.deviceMessagesPerSecond", 1, MaxRate, errors);
        return new OrganizationLimitOverrides(settings.RequestsPerSecond, settings.RequestBurst, settings.MaxDevices, settings.MaxAutomations,
            settings.MaxWebhooks, settings.DeviceMessagesPerSecond);
    }

    private static void Check(int? value, string field, int min, int max, ValidationErrors errors)
    {
        if (value is { } v && (v < min || v > max))
        {
            errors.Add(field, $"{field} must be between {min} and {max}, or null for the server's default.");
        }
    }
}

/// <summary>Checks the retention an organization or an admin sets (ADR 045).</summary>
internal static class RetentionValidation
{
    /// <summary>The retention to store (empty: back to the server's defaults), or null when the request left it out.</summary>
    public static OrganizationRetention? ToRetention(OrganizationRetentionSettings? settings, ValidationErrors errors)
    {
        if (settings is null)
        {
            return null;
        }
        Check(settings.EventsDays, "retention.eventsDays", errors);
        Check(settings.DeliveriesDays, "retention.deliveriesDays", errors);
        Check(settings.MeasurementsDays, "retention.measurementsDays", errors);
        Check(settings.RollupsDays, "retention.rollupsDays", errors);
        // Deliveries belong to their events: keeping them longer would keep nothing (the events' window removes them).
        if (settings is { DeliveriesDays: { } deliveries, EventsDays: { } events } && deliveries > events)
        {
            errors.Add("retention.deliveriesDays", "retention.deliveriesDays must not exceed retention.eventsDays: deliveries go with their events.");
        }
        return new OrganizationRetention(settings.EventsDays, settings.DeliveriesDays, settings.MeasurementsDays, settings.RollupsDays);
    }

    private static void Check(int? value, string field, ValidationErrors errors)
    {
        if (value is { } v && (v < RetentionWindows.MinDays || v > RetentionWindows.MaxDays))
        {
            errors.Add(field, $"{field} must be between {RetentionWindows.MinDays} and {RetentionWindows.MaxDays} days, or null for the server's default.");
        }
    }
}
