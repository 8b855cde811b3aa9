using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using SmartApi.Contracts;
using SmartApi.Server.ApiKeys;
using SmartApi.Server.Events;
using SmartApi.Server.Infrastructure;
using SmartApi.Server.Organizations;
using SmartApi.Storage;

namespace SmartApi.Server.Automations;

internal static class AutomationsApi
{
    public static RouteGroupBuilder MapAutomations(this IEndpointRouteBuilder routes)
    {
        var automations = routes.MapGroup("/v1/automations").WithTags("Automations");

        var read = automations.MapGroup("").RequireScope(Scopes.AutomationsRead);
        read.MapGet("/", List).WithName("ListAutomations").WithSummary("List automations.");
        read.MapGet("/{id}", Get).WithName("GetAutomation").WithSummary("Get an automation.").ProducesProblem(StatusCodes.Status404NotFound);
        read.MapGet("/{id}/runs", AutomationRunsApi.List).WithName("ListAutomationRuns")
            .WithSummary("List an automation's runs, newest first: trigger, outcome, commands, deliveries and errors.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        var write = automations.MapGroup("").RequireScope(Scopes.AutomationsWrite);
        write.MapPost("/", Create).WithName("CreateAutomation")
            .WithSummary("Create an automation; the response shows each webhook action's signing secret once.");
        write.MapPatch("/{id}", Update).WithName("UpdateAutomation")
            .WithSummary("Change an automation; saving a disabled webhook action enables it again.").ProducesProblem(StatusCodes.Status404NotFound);
        write.MapDelete("/{id}", Delete).WithName("DeleteAutomation")
            .WithSummary("Delete an automation with its webhooks and deliveries.").ProducesProblem(StatusCodes.Status404NotFound);
        write.MapPost("/{id}/test", Test).WithName("TestAutomation")
            .WithSummary("Send an automation.test event to this automation's webhooks now.").ProducesProblem(StatusCodes.Status404NotFound);
        write.MapPost("/{id}/rotate-secret", RotateSecret).WithName("RotateAutomationSecret")
            .WithSummary("Create a new signing secret; the old one keeps signing for 24 hours.").ProducesProblem(StatusCodes.Status404NotFound);
        write.MapPost("/{id}/recover", Recover).WithName("RecoverAutomationDeliveries")
            .WithSummary("Queue again every failed delivery since a time (at most 14 days, 10,000 deliveries).").ProducesProblem(StatusCodes.Status404NotFound);
        return automations;
    }

    private static async Task<Results<Created<AutomationResponse>, ProblemHttpResult>> Create(
        AutomationRequest request, ClaimsPrincipal user, AutomationValidation validation, AutomationService automations, OrganizationLimits limits,
        CancellationToken cancellationToken)
    {
        var organizationId = user.Caller().OrganizationId;
        var errors = new ValidationErrors();
        if (await validation.ValidateAsync(organizationId, request, null, errors, cancellationToken) is not { } valid)
        {
            return errors.ToProblem();
        }
        if (await limits.CheckQuotaAsync(organizationId, Quota.Automations, 1, cancellationToken) is { } automationQuota)
        {
            return automationQuota;
        }
        if (await limits.CheckQuotaAsync(organizationId, Quota.Webhooks, valid.Definition.WebhookCount, cancellationToken) is { } webhookQuota)
        {
            return webhookQuota;
        }
        var (automation, secret) = await automations.CreateAsync(organizationId, valid.Name, valid.Enabled, valid.Definition, cancellationToken);
        return TypedResults.Created($"/v1/automations/{automation.Id}", await automations.ToResponseAsync(automation, secret, cancellationToken));
    }

    private static async Task<Results<Ok<Page<AutomationResponse>>, ProblemHttpResult>> List(
        ClaimsPrincipal user, ISmartApiStore store, AutomationService automations, int? limit, string? after, CancellationToken cancellationToken)
    {
        if (!Paging.TryCreate(limit, after, "aut", out var page, out var problem))
        {
            return problem!;
        }
        var result = await store.ListAutomationsAsync(user.Caller().OrganizationId, page, cancellationToken);
        var items = await automations.ToResponsesAsync(result.Items, cancellationToken);
        return TypedResults.Ok(new Page<AutomationResponse>(items, result.HasMore, result.HasMore ? items[^1].Id : null));
    }

    private static async Task<Results<Ok<AutomationResponse>, ProblemHttpResult>> Get(
        string id, ClaimsPrincipal user, ISmartApiStore store, AutomationService automations, CancellationToken cancellationToken) =>
        await store.GetAutomationAsync(user.Caller().OrganizationId, id, cancellationToken) is { } automation
            ? TypedResults.Ok(await automations.ToResponseAsync(automation, null, cancellationToken))
            : Problems.NotFound("automation", id);

    private static async Task<Results<Ok<AutomationResponse>, ProblemHttpResult>> Update(
        string id, AutomationRequest request, ClaimsPrincipal user, ISmartApiStore store, AutomationValidation validation,
        AutomationService automations, OrganizationLimits limits, CancellationToken cancellationToken)
    {
        var organizationId = user.Caller().OrganizationId;
        if (await store.GetAutomationAsync(organizationId, id, cancellationToken) is not { } current)
        {
            return Problems.NotFound("automation", id);
        }
        var errors = new ValidationErrors();
        var existing = (current.Name, current.Enabled, AutomationDefinition.FromJson(current.DefinitionJson));
        if (await validation.ValidateAsync(organizationId, request, existing, errors, cancellationToken) is not { } valid)
        {
            return errors.ToProblem();
        }
        // Only growth counts: an update that keeps or drops webhook actions always passes.
        var addedWebhooks = valid.Definition.WebhookCount - existing.Item3.WebhookCount;
        if (await limits.CheckQuotaAsync(organizationId, Quota.Webhooks, addedWebhooks, cancellationToken) is { } quota)
        {
            return quota;
        }
        var updated = await automations.UpdateAsync(current, valid.Name, valid.Enabled, valid.Definition, cancellationToken);
        return TypedResults.Ok(await automations.ToResponseAsync(updated, null, cancellationToken));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        string id, ClaimsPrincipal user, AutomationService automations, CancellationToken cancellationToken) =>
        await automations.DeleteAsync(user.Caller().OrganizationId, id, cancellationToken)
            ? TypedResults.NoContent()
            : Problems.NotFound("automation", id);

    private static async Task<Results<Accepted<AutomationTestResponse>, ProblemHttpResult>> Test(
        string id, ClaimsPrincipal user, ISmartApiStore store, AutomationService automations, CancellationToken cancellationToken)
    {
        if (await store.GetAutomationAsync(user.Caller().OrganizationId, id, cancellationToken) is not { } automation)
        {
            return Problems.NotFound("automation", id);
        }
        var (stored, deliveryIds) = await automations.TestAsync(automation, cancellationToken);
        return TypedResults.Accepted($"/v1/events/{stored.Id}", new AutomationTestResponse(EventFactory.ToResponse(stored), deliveryIds));
    }

    private static async Task<Results<Ok<RotateSecretResponse>, ProblemHttpResult>> RotateSecret(
        string id, ClaimsPrincipal user, ISmartApiStore store, AutomationService automations, CancellationToken cancellationToken)
    {
        if (await store.GetAutomationAsync(user.Caller().OrganizationId, id, cancellationToken) is not { } automation)
        {
            return Problems.NotFound("automation", id);
        }
        var (secret, expireAt) = await automations.RotateSecretAsync(automation, cancellationToken);
        return TypedResults.Ok(new RotateSecretResponse(secret, expireAt));
    }

    private static async Task<Results<Accepted<RecoverResponse>, ProblemHttpResult>> Recover(
        string id, RecoverRequest request, ClaimsPrincipal user, ISmartApiStore store, AutomationService automations,
        TimeProvider time, CancellationToken cancellationToken)
    {
        if (request.Since is not { } since)
        {
            return Problems.Validation("since", "since is required: an RFC 3339 time at most 14 days ago.");
        }
        if (since < time.GetUtcNow() - AutomationService.MaxRecoverAge)
        {
            return Problems.Validation("since", "since must be at most 14 days ago.");
        }
        if (await store.GetAutomationAsync(user.Caller().OrganizationId, id, cancellationToken) is not { } automation)
        {
            return Problems.NotFound("automation", id);
        }
        var queued = await automations.RecoverAsync(automation, since, cancellationToken);
        return TypedResults.Accepted($"/v1/deliveries?automationId={id}&status=pending", new RecoverResponse(queued));
    }
}
