using System.Diagnostics;
using SmartApi.Server.Mqtt;
using SmartApi.Storage;

namespace SmartApi.Server.Infrastructure;

/// <summary>
/// The server's spans (ADR 039). Every helper checks <see cref="ActivitySource.HasListeners"/> first:
/// with tracing off it returns null before building a name, a tag or a context.
/// </summary>
internal static class Tracing
{
    public const string SourceName = "SmartApi";
    public const string TraceParentHeader = "traceparent";
    public const string TraceStateHeader = "tracestate";

    /// <summary>Whether <paramref name="name"/> is a W3C trace context header, which only the server sets on a webhook.</summary>
    public static bool IsTraceContextHeader(string name) =>
        name.Equals(TraceParentHeader, StringComparison.OrdinalIgnoreCase) || name.Equals(TraceStateHeader, StringComparison.OrdinalIgnoreCase);

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>The W3C context to store with an event appended now; null unless tracing.</summary>
    public static string? CurrentTraceParent() =>
        Source.HasListeners() && Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.Id : null;

    /// <summary>One span per device message, the root of what the message causes.</summary>
    public static Activity? StartDeviceMessage(string kind, DeviceIdentity device)
    {
        if (!Source.HasListeners())
        {
            return null;
        }
        var activity = Source.StartActivity("mqtt " + kind, ActivityKind.Consumer);
        activity?.SetTag("messaging.system", "mqtt")
            .SetTag("messaging.destination.template", "devices/{serial}/" + kind)
            .SetTag("smartapi.organization.id", device.OrganizationId)
            .SetTag("smartapi.device.id", device.DeviceId);
        return activity;
    }

    /// <summary>
    /// One span per delivery attempt, a child of the span that appended the event (its stored
    /// <c>traceparent</c>), whichever node and however much later the attempt runs.
    /// </summary>
    public static Activity? StartDeliveryAttempt(ClaimedDelivery claimed) =>
        Source.HasListeners() ? StartChildOf(claimed.Event.TraceParent, "webhook.deliver", ActivityKind.Client)?
            .SetTag("smartapi.delivery.id", claimed.Delivery.Id)
            .SetTag("smartapi.delivery.attempt", claimed.Delivery.Attempts + 1)
            .SetTag("smartapi.automation.id", claimed.Delivery.AutomationId)
            .SetTag("smartapi.webhook.id", claimed.Webhook.Id)
            .SetTag("smartapi.event.id", claimed.Event.Id)
            .SetTag("smartapi.event.type", claimed.Event.Type)
            .SetTag("http.request.method", "POST") : null;

    /// <summary>The receiver's answer on the attempt's span; anything but a 2xx marks it failed.</summary>
    public static void Attempted(Activity? activity, int status, string? error)
    {
        if (activity is not null)
        {
            activity.SetTag("http.response.status_code", status);
            if (error is not null)
            {
                activity.SetStatus(ActivityStatusCode.Error, error);
            }
        }
    }

    /// <summary>An automation run of an event rule, a child of the span that appended its trigger event.</summary>
    public static Activity? StartAutomationRun(string runId, string automationId, string? eventTraceParent) =>
        Source.HasListeners() ? StartChildOf(eventTraceParent, "automation.run", ActivityKind.Internal)?
            .SetTag("smartapi.run.id", runId)
            .SetTag("smartapi.automation.id", automationId) : null;

    private static Activity? StartChildOf(string? traceParent, string name, ActivityKind kind)
    {
        // Not under whatever the worker's own context holds: the stored parent, or a new root.
        Activity.Current = null;
        return ActivityContext.TryParse(traceParent, null, isRemote: true, out var parent)
            ? Source.StartActivity(name, kind, parent)
            : Source.StartActivity(name, kind, default(ActivityContext));
    }
}
