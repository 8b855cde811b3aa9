namespace SmartApi.Storage.Routing;

/// <summary>An automation as the router sees it (every automation, enabled or not: test events reach disabled ones too).</summary>
internal sealed record RoutingAutomation(string Id, string OrganizationId, bool Enabled, string? RuleKind);

/// <summary>A webhook whose status is active (no other webhook receives deliveries).</summary>
internal sealed record RoutingWebhook(string Id, string AutomationId, bool Ordered);

/// <summary>
/// One event subscription of an automation, whatever its shape: an event type (or <c>*</c>) in an
/// organization, from one device or, with an empty <see cref="DeviceKey"/>, from any.
/// </summary>
internal sealed record RoutingSubscription(string OrganizationId, string EventType, string DeviceKey, string AutomationId);

/// <summary>
/// An in-memory, immutable copy of every subscription, automation and active webhook, indexed for
/// <see cref="EventRouter"/>. <see cref="Version"/> is what the database said it was loaded at (0
/// where the provider invalidates instead of versioning).
/// </summary>
internal sealed class SubscriptionSnapshot
{
    public static readonly SubscriptionSnapshot Empty = new([], [], [], 0);

    private readonly Dictionary<(string Organization, string Type), Candidate[]> _byType = [];
    private readonly Dictionary<string, Target> _automations = new(StringComparer.Ordinal);

    public SubscriptionSnapshot(IEnumerable<RoutingAutomation> automations, IEnumerable<RoutingWebhook> activeWebhooks,
        IEnumerable<RoutingSubscription> subscriptions, long version)
    {
        Version = version;
        var webhooks = activeWebhooks.GroupBy(w => w.AutomationId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(w => w.Id, StringComparer.Ordinal).ToArray(), StringComparer.Ordinal);
        foreach (var automation in automations)
        {
            _automations[automation.Id] = new Target(automation, AutomationRouting.For(automation.RuleKind),
                webhooks.TryGetValue(automation.Id, out var own) ? own : []);
        }
        var candidates = new Dictionary<(string, string), List<Candidate>>();
        foreach (var subscription in subscriptions)
        {
            // Only what can ever route: an enabled automation that subscribes to events.
            if (!_automations.TryGetValue(subscription.AutomationId, out var target) || !target.Automation.Enabled || target.Kind == RouteKind.None)
            {
                continue;
            }
            var key = (subscription.OrganizationId, subscription.EventType);
            if (!candidates.TryGetValue(key, out var list))
            {
                candidates[key] = list = [];
            }
            list.Add(new Candidate(subscription.DeviceKey, target));
        }
        foreach (var (key, list) in candidates)
        {
            _byType[key] = [.. list];
        }
    }

    public long Version { get; }

    /// <summary>Whether an untargeted event of this type in this organization matches anything (no device check).</summary>
    public bool MayMatch(string organizationId, string type) =>
        _byType.Count > 0 && (_byType.ContainsKey((organizationId, type)) || _byType.ContainsKey((organizationId, "*")));

    internal bool TryGetCandidates(string organizationId, string type, out Candidate[] candidates) =>
        _byType.TryGetValue((organizationId, type), out candidates!);

    internal bool TryGetAutomation(string automationId, out Target target) => _automations.TryGetValue(automationId, out target!);

    internal sealed record Target(RoutingAutomation Automation, RouteKind Kind, RoutingWebhook[] Webhooks);

    internal readonly record struct Candidate(string DeviceKey, Target Target);
}
