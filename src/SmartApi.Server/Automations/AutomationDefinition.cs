using System.Text.Json;
using System.Text.Json.Serialization;
using SmartApi.Contracts;
using SmartApi.Storage;

namespace SmartApi.Server.Automations;

/// <summary>What the automation row stores: the validated definition, without secrets.</summary>
internal sealed record AutomationDefinition(
    AutomationTrigger Trigger,
    IReadOnlyList<JsonElement> Conditions,
    IReadOnlyList<StoredAction> Actions,
    int? CooldownSeconds)
{
    public string ToJson() => JsonSerializer.Serialize(this, AutomationJsonContext.Default.AutomationDefinition);

    public static AutomationDefinition FromJson(string json) =>
        JsonSerializer.Deserialize(json, AutomationJsonContext.Default.AutomationDefinition)!;

    /// <summary>The webhooks to store, one per webhook action, keyed by the action's index.</summary>
    public IReadOnlyList<WebhookDefinition> Webhooks() =>
        Actions.Select((action, index) => (action, index))
            .Where(a => a.action.Type == "webhook")
            .Select(a => new WebhookDefinition(a.index, a.action.Url!,
                JsonSerializer.Serialize(a.action.Headers ?? [], AutomationJsonContext.Default.DictionaryStringString),
                a.action.Ordered, a.action.StandardWebhooks))
            .ToList();

    /// <summary>What the webhooks listen to: each event type (or <c>*</c>), for each listed device or all.</summary>
    public IReadOnlyList<Subscription> Subscriptions()
    {
        var types = Trigger.Events ?? [];
        IReadOnlyList<string?> devices = Trigger.DeviceIds is { Count: > 0 } ids ? [.. ids] : [null];
        return types.SelectMany(type => devices.Select(device => new Subscription(type, device))).ToList();
    }
}

internal sealed record StoredAction(string Type, string? Url, Dictionary<string, string>? Headers, bool Ordered, bool StandardWebhooks);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AutomationDefinition))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class AutomationJsonContext : JsonSerializerContext;
