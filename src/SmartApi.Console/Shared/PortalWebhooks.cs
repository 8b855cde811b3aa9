using SmartApi.Contracts;

namespace SmartApi.WebConsole.Shared;

/// <summary>
/// What the portal may change of an automation: its webhooks' URLs, sent as the whole <c>actions</c> list
/// (the API refuses any other field from a portal, and any automation with a switch action). Portal-local:
/// to be replaced by the console's shared webhook action editor when it lands.
/// </summary>
public static class PortalWebhooks
{
    public const string Webhook = "webhook";

    public static bool IsWebhook(AutomationActionResponse action) => action.Type == Webhook;

    /// <summary>Whether the portal can edit it: every action is a webhook.</summary>
    public static bool Editable(AutomationResponse automation) => automation.Actions.All(IsWebhook);

    /// <summary>
    /// The PATCH body that changes only the URLs: every webhook as it is, at its position, with its
    /// custom headers sent back masked (<c>***</c> keeps each stored value) and <paramref name="urls"/> in order.
    /// </summary>
    public static AutomationRequest WithUrls(AutomationResponse automation, IReadOnlyList<string> urls) => new(Actions:
        automation.Actions.Select((action, i) => new AutomationActionRequest(
            Webhook,
            Url: urls[i].Trim(),
            Headers: action.Headers is { Count: > 0 } headers ? headers.ToDictionary(h => h.Key, h => h.Value, StringComparer.Ordinal) : null,
            Ordered: action.Ordered,
            StandardWebhooks: action.StandardWebhooks)).ToList());
}
