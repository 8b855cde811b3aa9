namespace SmartApi.Storage.Routing;

/// <summary>What an automation that an event matches produces.</summary>
internal enum RouteKind
{
    /// <summary>Subscribed to no event (schedule and power rules): an event never routes to it.</summary>
    None,

    /// <summary>A delivery per active webhook, written with the event (the fast path).</summary>
    Deliveries,

    /// <summary>One pending run: the engine evaluates conditions, cooldown and actions, and queues the deliveries itself.</summary>
    Run,
}

/// <summary>
/// The one decision of whether an automation's event subscriptions yield deliveries or a run. It
/// reads the automation's engine rule (<see cref="RuleKind"/>, stored in automation_rules), not
/// the table its subscription rows were written to: which rule kind a definition gets is decided
/// by the server (AutomationDefinition.RuleKind), and this is the only place that maps it to a path.
/// </summary>
internal static class AutomationRouting
{
    public static RouteKind For(string? ruleKind) => ruleKind switch
    {
        null => RouteKind.Deliveries,
        RuleKind.Event => RouteKind.Run,
        _ => RouteKind.None,
    };
}
