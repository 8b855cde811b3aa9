using System.Buffers;
using SmartApi.Contracts;
using SmartApi.Server.Devices;
using SmartApi.Server.Events;
using SmartApi.Server.Infrastructure;
using SmartApi.Server.Webhooks;
using SmartApi.Server.Webhooks.Delivery;
using SmartApi.Storage;

namespace SmartApi.Server.Automations;

/// <summary>
/// Checks an automation request and builds its definition. Webhook URLs must be http(s) and must
/// not resolve to an address webhooks may not reach; custom headers may not replace the headers
/// the signature and deduplication rely on, and their values leave here encrypted.
/// </summary>
internal sealed class AutomationValidation(IDeviceStore store, NetworkPolicy network, RuleValidation rules, CustomHeaders customHeaders)
{
    public const int MaxCooldownSeconds = 7 * 24 * 3600;
    public const int MaxRevertSeconds = 24 * 3600;
    public const int MaxActions = 10;
    public const int MaxDevices = 100;
    public const int MaxHeaders = 20;
    public const int MaxUrlLength = 2048;

    private static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "X-Signature", "X-Event-Id", "X-Event-Type", "X-Delivery-Id", "X-Delivery-Attempt", "User-Agent", "Content-Type",
        "Content-Length", "Content-Encoding", "Host", "Transfer-Encoding", "Connection", "Keep-Alive", "Upgrade", "TE", "Trailer",
        "Expect", "Proxy-Authorization", "webhook-id", "webhook-timestamp", "webhook-signature",
        // The trace context is the server's: its own with tracing on, none with it off (a fixed
        // value would make every delivery claim the same parent).
        "traceparent", "tracestate",
    };

    private static readonly SearchValues<char> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    /// <summary>Validates a create (no <paramref name="current"/>) or a patch over <paramref name="current"/>.</summary>
    public async Task<(string Name, bool Enabled, AutomationDefinition Definition)?> ValidateAsync(
        string organizationId, AutomationRequest request, (string Name, bool Enabled, AutomationDefinition Definition)? current,
        ValidationErrors errors, CancellationToken cancellationToken)
    {
        var name = request.Name?.Trim() ?? current?.Name;
        if (string.IsNullOrEmpty(name) || name.Length > 200)
        {
            errors.Add("name", "name is required, 1-200 characters.");
        }
        var trigger = request.Trigger ?? current?.Definition.Trigger;
        if (trigger is null)
        {
            errors.Add("trigger", "trigger is required: {\"events\":[\"*\"]} or a list of event types.");
        }
        else
        {
            trigger = await ValidateTriggerAsync(organizationId, trigger, errors, cancellationToken);
        }
        var conditions = request.Conditions is null
            ? current?.Definition.Conditions ?? []
            : await rules.ValidateConditionsAsync(organizationId, request.Conditions, errors, cancellationToken);
        var cooldown = request.CooldownSeconds ?? current?.Definition.CooldownSeconds;
        if (cooldown is < 0 or > MaxCooldownSeconds)
        {
            errors.Add("cooldownSeconds", $"cooldownSeconds must be 0-{MaxCooldownSeconds} (0: none).");
        }
        var actions = request.Actions is null
            ? current?.Definition.Actions
            : await ValidateActionsAsync(organizationId, request.Actions, current?.Definition.Actions, errors, cancellationToken);
        if (actions is not { Count: > 0 } && !errors.Any)
        {
            errors.Add("actions", $"actions is required: 1-{MaxActions} actions.");
        }
        if (errors.Any)
        {
            return null;
        }
        return (name!, request.Enabled ?? current?.Enabled ?? true, new AutomationDefinition(trigger!, conditions, actions!, cooldown is > 0 ? cooldown : null));
    }

    private async Task<AutomationTrigger?> ValidateTriggerAsync(string organizationId, AutomationTrigger trigger, ValidationErrors errors, CancellationToken cancellationToken)
    {
        var kinds = (trigger.Events is not null ? 1 : 0) + (trigger.Schedule is not null ? 1 : 0) + (trigger.Power is not null ? 1 : 0);
        if (kinds != 1)
        {
            errors.Add("trigger", "trigger needs exactly one of events, schedule or power.");
            return null;
        }
        if (trigger.Schedule is not null || trigger.Power is not null)
        {
            if (trigger.DeviceIds is not null)
            {
                errors.Add("trigger.deviceIds", "deviceIds narrows an events trigger; a power trigger lists its devices in power.deviceIds.");
            }
            return trigger.Schedule is { } schedule
                ? new AutomationTrigger(Schedule: RuleValidation.ValidateSchedule(schedule, errors))
                : new AutomationTrigger(Power: await rules.ValidatePowerAsync(organizationId, trigger.Power!, errors, cancellationToken));
        }
        var events = trigger.Events?.Distinct(StringComparer.Ordinal).ToList() ?? [];
        if (events.Count == 0)
        {
            errors.Add("trigger.events", "trigger.events is required: [\"*\"] for every event, or event types from GET /v1/event-types.");
        }
        else if (events.Contains("*") && events.Count > 1)
        {
            errors.Add("trigger.events", "\"*\" already means every event type; list it alone.");
        }
        foreach (var type in events.Where(t => t != "*" && !EventCatalog.Types.Contains(t)))
        {
            errors.Add("trigger.events", $"Unknown event type '{type}'. See GET /v1/event-types.");
        }
        var devices = trigger.DeviceIds?.Distinct(StringComparer.Ordinal).ToList() ?? [];
        if (devices.Count > MaxDevices)
        {
            errors.Add("trigger.deviceIds", $"At most {MaxDevices} devices.");
        }
        else
        {
            foreach (var deviceId in devices)
            {
                if (!IdGenerator.IsWellFormed(deviceId, "dev") || await store.GetDeviceAsync(organizationId, deviceId, cancellationToken) is null)
                {
                    errors.Add("trigger.deviceIds", $"No device with id '{deviceId}' exists.");
                }
            }
        }
        return new AutomationTrigger(events, devices);
    }

    private async Task<IReadOnlyList<StoredAction>> ValidateActionsAsync(
        string organizationId, IReadOnlyList<AutomationActionRequest> actions, IReadOnlyList<StoredAction>? previous,
        ValidationErrors errors, CancellationToken cancellationToken)
    {
        if (actions.Count is 0 or > MaxActions)
        {
            errors.Add("actions", $"actions must hold 1-{MaxActions} actions.");
            return [];
        }
        var stored = new List<StoredAction>(actions.Count);
        for (var i = 0; i < actions.Count; i++)
        {
            var action = actions[i];
            var field = $"actions[{i}]";
            switch (action.Type)
            {
                case "webhook":
                    if (action.DeviceId is not null || action.Tag is not null || action.State is not null || action.RevertAfterSeconds is not null)
                    {
                        errors.Add(field, "deviceId, tag, state and revertAfterSeconds belong to switch actions.");
                    }
                    var url = await ValidateUrlAsync(action.Url, $"{field}.url", errors, cancellationToken);
                    var headers = ValidateHeaders(action.Headers, $"{field}.headers", errors)
                        ? ProtectHeaders(action.Headers, url, previous?.ElementAtOrDefault(i), $"{field}.headers", errors)
                        : null;
                    stored.Add(new StoredAction(ActionTypes.Webhook, url, headers, action.Ordered ?? false, action.StandardWebhooks ?? false,
                        RateLimit: WebhookLimitsValidation.RateLimit(action.RateLimit, $"{field}.rateLimit", errors),
                        CircuitBreaker: WebhookLimitsValidation.CircuitBreaker(action.CircuitBreaker, $"{field}.circuitBreaker", errors)));
                    break;
                case "switch":
                    if (action.Url is not null || action.Headers is not null || action.Ordered is not null || action.StandardWebhooks is not null
                        || action.RateLimit is not null || action.CircuitBreaker is not null)
                    {
                        errors.Add(field, "url, headers, ordered, standardWebhooks, rateLimit and circuitBreaker belong to webhook actions.");
                    }
                    // One target: a device, or every device with a tag when the action runs (its batch).
                    if (action.Tag is not null)
                    {
                        if (action.DeviceId is not null)
                        {
                            errors.Add(field, "A switch action targets deviceId or tag, not both.");
                        }
                        DeviceValidation.Tag(action.Tag, $"{field}.tag", errors);
                    }
                    else
                    {
                        await rules.ValidateDeviceAsync(organizationId, action.DeviceId, $"{field}.deviceId", errors, cancellationToken);
                    }
                    if (action.State is null)
                    {
                        errors.Add($"{field}.state", "state is required: on, off or toggle.");
                    }
                    if (action.RevertAfterSeconds is < 1 or > MaxRevertSeconds)
                    {
                        errors.Add($"{field}.revertAfterSeconds", $"revertAfterSeconds must be 1-{MaxRevertSeconds}.");
                    }
                    stored.Add(new StoredAction(ActionTypes.Switch, null, null, false, false, action.DeviceId, action.State, action.RevertAfterSeconds, action.Tag));
                    break;
                default:
                    errors.Add($"{field}.type", "type must be 'webhook' or 'switch'.");
                    break;
            }
        }
        return stored;
    }

    private async Task<string?> ValidateUrlAsync(string? text, string field, ValidationErrors errors, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > MaxUrlLength
            || !Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || string.IsNullOrEmpty(uri.Host))
        {
            errors.Add(field, $"url must be an absolute http or https URL of at most {MaxUrlLength} characters.");
            return null;
        }
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            errors.Add(field, "url must not carry credentials; use a custom header instead.");
            return null;
        }
        if (await network.RefusalAsync(uri.IdnHost, cancellationToken) is { } refusal)
        {
            errors.Add(field, refusal + " Webhooks may not reach it (see SmartApi:Webhooks:AllowPrivateNetworks).");
            return null;
        }
        return uri.AbsoluteUri;
    }

    /// <summary>Whether the headers are valid (none is valid).</summary>
    private static bool ValidateHeaders(Dictionary<string, string>? headers, string field, ValidationErrors errors)
    {
        if (headers is null)
        {
            return true;
        }
        var valid = true;
        if (headers.Count > MaxHeaders)
        {
            Invalid(field, $"At most {MaxHeaders} headers.");
        }
        foreach (var (name, value) in headers)
        {
            if (name.Length is 0 or > 100 || name.AsSpan().IndexOfAnyExcept(TokenChars) >= 0)
            {
                Invalid(field, $"'{name}' is not a valid header name.");
            }
            else if (ReservedHeaders.Contains(name))
            {
                Invalid(field, $"'{name}' is set by the server and cannot be replaced.");
            }
            if (value is null || value.Length > 1000 || value.Any(c => c is '\r' or '\n' or '\0'))
            {
                Invalid(field, $"The value of '{name}' must be at most 1000 characters without line breaks.");
            }
        }
        return valid;

        void Invalid(string at, string message)
        {
            valid = false;
            errors.Add(at, message);
        }
    }

    /// <summary>
    /// The values encrypted for storage. A value equal to the mask keeps the value stored for that
    /// header in the webhook at the same position, but only while its URL keeps its origin (scheme,
    /// host and port): otherwise a key that may write automations, but never read the values,
    /// could point the webhook at its own server and receive them.
    /// </summary>
    private Dictionary<string, string>? ProtectHeaders(
        Dictionary<string, string>? headers, string? url, StoredAction? previous, string field, ValidationErrors errors)
    {
        if (headers is null || url is null)
        {
            return headers;
        }
        var sameOrigin = previous is { Type: ActionTypes.Webhook, Url: { } previousUrl }
            && Uri.Compare(new Uri(previousUrl), new Uri(url), UriComponents.SchemeAndServer, UriFormat.UriEscaped, StringComparison.OrdinalIgnoreCase) == 0;
        var protectedHeaders = new Dictionary<string, string>(headers.Count, StringComparer.Ordinal);
        foreach (var (name, value) in headers)
        {
            if (value != CustomHeaders.Mask)
            {
                protectedHeaders[name] = customHeaders.Protect(value);
                continue;
            }
            var kept = sameOrigin ? previous!.Headers?.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value : null;
            if (kept is null)
            {
                errors.Add(field, $"'{name}' is \"{CustomHeaders.Mask}\", which keeps the stored value, but the webhook at this position has no stored " +
                    $"'{name}' with the same URL origin (scheme, host, port). Send the value itself.");
                continue;
            }
            // Stored before values were encrypted (the start-up migration had not reached it): encrypt it now.
            protectedHeaders[name] = CustomHeaders.IsProtected(kept) ? kept : customHeaders.Protect(kept);
        }
        return protectedHeaders;
    }
}
