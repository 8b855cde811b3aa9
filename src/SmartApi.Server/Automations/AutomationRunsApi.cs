using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using SmartApi.Contracts;
using SmartApi.Server.ApiKeys;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Automations;

/// <summary><c>GET /v1/automations/{id}/runs</c>: mapped from the stored runs, with the deliveries each queued.</summary>
internal static class AutomationRunsApi
{
    public static async Task<Results<Ok<Page<AutomationRunResponse>>, ProblemHttpResult>> List(
        string id, ClaimsPrincipal user, ISmartApiStore store, int? limit, string? after, CancellationToken cancellationToken)
    {
        if (!Paging.TryCreate(limit, after, "run", out var page, out var problem))
        {
            return problem!;
        }
        var organizationId = user.Caller().OrganizationId;
        if (await store.GetAutomationAsync(organizationId, id, cancellationToken) is null)
        {
            return Problems.NotFound("automation", id);
        }
        var result = await store.ListRunsAsync(organizationId, id, page, cancellationToken);
        var items = new List<AutomationRunResponse>(result.Items.Count);
        foreach (var run in result.Items)
        {
            items.Add(await ToResponseAsync(store, run, cancellationToken));
        }
        return TypedResults.Ok(new Page<AutomationRunResponse>(items, result.HasMore, result.HasMore ? items[^1].Id : null));
    }

    private static async Task<AutomationRunResponse> ToResponseAsync(ISmartApiStore store, AutomationRun run, CancellationToken cancellationToken)
    {
        var info = JsonSerializer.Deserialize(run.TriggerJson, AutomationJsonContext.Default.RunTriggerInfo) ?? new RunTriggerInfo();
        var outcome = run.ResultJson is null ? null : JsonSerializer.Deserialize(run.ResultJson, AutomationJsonContext.Default.RunResult);
        var eventId = run.EventId ?? outcome?.EmittedEventId;
        // Deliveries are found by (automation, event) rather than copied into the run: the outbox is the record.
        IReadOnlyList<string> deliveries = eventId is null
            ? []
            : (await store.ListDeliveriesAsync(run.OrganizationId, new DeliveryFilter(run.AutomationId, eventId), new PageRequest(null, 100), cancellationToken))
                .Items.Select(d => d.Id).ToList();
        var trigger = new AutomationRunTrigger(run.TriggerType, eventId, info.ScheduledFor, info.DeviceId ?? outcome?.DeviceId, info.Value, outcome?.Depth ?? 0);
        return new AutomationRunResponse(run.Id, run.AutomationId, run.Status, trigger, run.Reason,
            outcome?.CommandIds ?? [], deliveries, outcome?.Errors ?? [], run.TriggeredAt, run.FinishedAt);
    }
}
