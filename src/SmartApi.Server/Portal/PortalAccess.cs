using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using SmartApi.Contracts;
using SmartApi.Server.ApiKeys;
using SmartApi.Server.Automations;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Portal;

/// <summary>
/// The one place a portal session's restriction is enforced (ADR 029): after authorization, a caller
/// with <see cref="Caller.AutomationIds"/> reaches only the endpoints listed here, and only for its
/// own automations and their deliveries. Every other authenticated endpoint answers 403, including
/// endpoints added later; another automation's or delivery's id answers 404, so ids do not leak.
/// API keys pass straight through: one type test per request.
/// </summary>
internal sealed class PortalAccess(IAutomationStore automations, IDeliveryStore deliveries)
{
    private const string Denied =
        "A portal session reaches only its automations' webhooks, their deliveries and the event catalog.";

    private enum Target
    {
        None,
        Automation,
        WebhookEdit,
        DeliveriesOfAutomation,
        Delivery,
        FailedDeliveriesOfAutomation,
    }

    /// <summary>Endpoint names (WithName) a portal session may call, and what in the request names its target.</summary>
    private static readonly FrozenDictionary<string, Target> Allowed = new Dictionary<string, Target>
    {
        ["GetAutomation"] = Target.Automation,
        ["UpdateAutomation"] = Target.WebhookEdit,
        ["TestAutomation"] = Target.Automation,
        ["RotateAutomationSecret"] = Target.Automation,
        ["RecoverAutomationDeliveries"] = Target.Automation,
        ["ListDeliveries"] = Target.DeliveriesOfAutomation,
        ["GetDelivery"] = Target.Delivery,
        ["RetryDelivery"] = Target.Delivery,
        ["RetryDeliveries"] = Target.FailedDeliveriesOfAutomation,
        ["ListEventTypes"] = Target.None,
        [PortalSessionsApi.CurrentEndpoint] = Target.None,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Not async for API keys: their requests pass with one type test and no state machine.</summary>
    public Task InvokeAsync(HttpContext context, RequestDelegate next) =>
        context.User.Identity is CallerIdentity { Caller.AutomationIds: not null } ? EnforceAsync(context, next) : next(context);

    private async Task EnforceAsync(HttpContext context, RequestDelegate next)
    {
        // Endpoints without a scope (health, documents, the framework's 404) are public anyway.
        if (context.User.Identity is not CallerIdentity { Caller: { AutomationIds: { } allowed } caller }
            || context.GetEndpoint()?.Metadata is not { } metadata
            || metadata.GetMetadata<RequiredScope>() is null)
        {
            await next(context);
            return;
        }
        var name = metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName;
        var refusal = name is not null && Allowed.TryGetValue(name, out var target)
            ? await CheckAsync(context, target, caller, allowed)
            : Problems.Forbidden(Denied);
        if (refusal is not null)
        {
            await refusal.ExecuteAsync(context);
            return;
        }
        await next(context);
    }

    private async Task<IResult?> CheckAsync(HttpContext context, Target target, Caller caller, IReadOnlySet<string> allowed)
    {
        var id = context.Request.RouteValues["id"] as string ?? "";
        switch (target)
        {
            case Target.Automation:
                return allowed.Contains(id) ? null : Problems.NotFound("automation", id);
            case Target.WebhookEdit:
                return allowed.Contains(id) ? await CheckWebhookEditAsync(context, caller, id) : Problems.NotFound("automation", id);
            case Target.DeliveriesOfAutomation:
                var automationId = context.Request.Query["automationId"].ToString();
                return automationId.Length == 0
                    ? Problems.Forbidden("With a portal session, list deliveries of one automation: pass automationId.")
                    : allowed.Contains(automationId) ? null : Problems.NotFound("automation", automationId);
            case Target.Delivery:
                var delivery = IdGenerator.IsWellFormed(id, "dlv")
                    ? await deliveries.GetDeliveryAsync(caller.OrganizationId, id, context.RequestAborted)
                    : null;
                return delivery is not null && allowed.Contains(delivery.AutomationId) ? null : Problems.NotFound("delivery", id);
            case Target.FailedDeliveriesOfAutomation:
                var retried = await ReadBodyAsync(context, SmartApiJsonContext.Default.RetryDeliveriesRequest);
                return retried?.AutomationId is not { } own
                    ? Problems.Forbidden("With a portal session, retry the deliveries of one automation: pass automationId.")
                    : allowed.Contains(own) ? null : Problems.NotFound("automation", own);
            default:
                return null;
        }
    }

    /// <summary>
    /// A portal edits webhooks only: the body may carry nothing but <c>actions</c>, all webhooks, and
    /// only on an automation whose actions are all webhooks (replacing the list must not drop or add a
    /// switch action, which would reach the organization's devices).
    /// </summary>
    private async Task<IResult?> CheckWebhookEditAsync(HttpContext context, Caller caller, string id)
    {
        if (await automations.GetAutomationAsync(caller.OrganizationId, id, context.RequestAborted) is not { } current)
        {
            return null; // the handler answers 404
        }
        var definition = AutomationDefinition.FromJson(current.DefinitionJson);
        if (definition.WebhookCount != definition.Actions.Count)
        {
            return Problems.Forbidden("This automation has actions other than webhooks: it cannot be changed from a portal.");
        }
        var request = await ReadBodyAsync(context, SmartApiJsonContext.Default.AutomationRequest);
        if (request is null)
        {
            return null;
        }
        var onlyWebhooks = request is { Name: null, Enabled: null, Trigger: null, Conditions: null, CooldownSeconds: null, Actions: { } actions }
            && actions.All(a => a.Type == ActionTypes.Webhook);
        return onlyWebhooks ? null : Problems.Forbidden("From a portal, send only actions, each of type webhook: nothing else of an automation can change.");
    }

    /// <summary>The body, read and rewound for the handler; null when malformed (the handler's binding answers it).</summary>
    private static async Task<T?> ReadBodyAsync<T>(HttpContext context, JsonTypeInfo<T> type) where T : class
    {
        context.Request.EnableBuffering();
        try
        {
            return await JsonSerializer.DeserializeAsync(context.Request.Body, type, context.RequestAborted);
        }
        catch (JsonException)
        {
            return null;
        }
        finally
        {
            context.Request.Body.Position = 0;
        }
    }
}
