using System.Text.Json;
using System.Text.Json.Serialization;
using SmartApi.Contracts;
using SmartApi.Storage;

namespace SmartApi.Server.Automations;

/// <summary>What the automation row stores: the validated definition, without secrets.</summary>
internal sealed record AutomationDefinition(
    AutomationTrigger Trigger,
    IReadOnlyList<AutomationCondition> Conditions,
    IReadOnlyList<StoredAction> Actions,
    int? CooldownSeconds)
{
    public string ToJson() => JsonSerializer.Serialize(this, AutomationJsonContext.Default.AutomationDefinition);

    public static AutomationDefinition FromJson(string json) =>
        JsonSerializer.Deserialize(json, AutomationJsonContext.Default.AutomationDefinition)!;

    /// <summary>
    /// Which engine rule evaluates it: schedule and power triggers always; an events trigger when it has
    /// conditions, a cooldown or switch actions. Null for a plain event-to-webhook automation, which
    /// the event append matches directly (the fast path).
    /// </summary>
    [JsonIgnore]
    public string? RuleKind =>
        Trigger.Schedule is not null ? Storage.RuleKind.Schedule
        : Trigger.Power is not null ? Storage.RuleKind.Power
        : Conditions.Count > 0 || CooldownSeconds is > 0 || Actions.Any(a => a.Type == ActionTypes.Switch) ? Storage.RuleKind.Event
        : null;

    /// <summary>The webhooks to store, one per webhook action, keyed by the action's index.</summary>
    /// <summary>How many of its actions are webhooks (what the organization's webhook quota counts).</summary>
    [JsonIgnore]
    public int WebhookCount => Actions.Count(a => a.Type == ActionTypes.Webhook);

    public IReadOnlyList<WebhookDefinition> Webhooks() =>
        Actions.Select((action, index) => (action, index))
            .Where(a => a.action.Type == ActionTypes.Webhook)
            .Select(a => new WebhookDefinition(a.index, a.action.Url!,
                JsonSerializer.Serialize(a.action.Headers ?? [], AutomationJsonContext.Default.DictionaryStringString),
                a.action.Ordered, a.action.StandardWebhooks, a.action.Limits()))
            .ToList();

    /// <summary>
    /// The events an events trigger listens to (none for schedule and power triggers): what they
    /// yield, deliveries or an engine run, is decided by <see cref="RuleKind"/> when they are routed.
    /// </summary>
    public IReadOnlyList<Subscription> Subscriptions()
    {
        var types = Trigger.Events ?? [];
        IReadOnlyList<string?> devices = Trigger.DeviceIds is { Count: > 0 } ids ? [.. ids] : [null];
        return types.SelectMany(type => devices.Select(device => new Subscription(type, device))).ToList();
    }
}

internal static class ActionTypes
{
    public const string Webhook = "webhook";
    public const string Switch = "switch";
}

internal sealed record StoredAction(
    string Type,
    string? Url,
    Dictionary<string, string>? Headers,
    bool Ordered,
    bool StandardWebhooks,
    string? DeviceId = null,
    SwitchAction? State = null,
    int? RevertAfterSeconds = null,
    string? Tag = null,
    WebhookRateLimit? RateLimit = null,
    WebhookCircuitBreaker? CircuitBreaker = null)
{
    /// <summary>What the delivery engine enforces: the stored settings with the defaults filled in.</summary>
    public WebhookLimits Limits() => new(
        RateLimit?.PerSecond,
        RateLimit is { PerSecond: { } rate } ? RateLimit.Burst ?? Math.Max(1, (int)Math.Ceiling(rate)) : null,
        CircuitBreaker?.Enabled == false ? 0 : CircuitBreaker?.FailureThreshold ?? WebhookLimits.Default.FailureThreshold,
        CircuitBreaker?.ProbeIntervalSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : WebhookLimits.Default.ProbeInterval);
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AutomationDefinition))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(RunTriggerInfo))]
[JsonSerializable(typeof(RunResult))]
internal sealed partial class AutomationJsonContext : JsonSerializerContext;
