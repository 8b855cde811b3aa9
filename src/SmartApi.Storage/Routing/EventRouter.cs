namespace SmartApi.Storage.Routing;

/// <summary>A delivery an event produces: to <see cref="WebhookId"/> of <see cref="AutomationId"/>.</summary>
/// <param name="Event">The index the caller gave the event (a batch's position of the append).</param>
internal readonly record struct RoutedDelivery(int Event, string WebhookId, string AutomationId, bool Ordered);

/// <summary>A pending engine run of <see cref="AutomationId"/> an event produces.</summary>
internal readonly record struct RoutedRun(int Event, string AutomationId);

/// <summary>
/// Which deliveries and engine runs an appended event produces: the same rule on every database,
/// applied to a <see cref="SubscriptionSnapshot"/> by the provider's writer.
/// <list type="bullet">
/// <item>An event for one automation (a test or schedule event, <c>targetAutomationId</c>) goes to
/// that automation's active webhooks in its organization, enabled or not, whatever it subscribes to,
/// and to nothing else; it never queues a run.</item>
/// <item>Any other event matches the subscriptions of its organization whose type is its type or
/// <c>*</c> and whose device is its device or any device. Each matched automation that is enabled
/// counts once (whatever number of its subscriptions match) and yields what
/// <see cref="AutomationRouting"/> decides: a delivery per active webhook or one run.</item>
/// <item>Deliveries of an event come in webhook id order, runs in automation id order.</item>
/// </list>
/// </summary>
internal static class EventRouter
{
    private static readonly Comparison<RoutedDelivery> ByWebhook = (a, b) => string.CompareOrdinal(a.WebhookId, b.WebhookId);
    private static readonly Comparison<RoutedRun> ByAutomation = (a, b) => string.CompareOrdinal(a.AutomationId, b.AutomationId);
    private static readonly IComparer<RoutedDelivery> WebhookOrder = Comparer<RoutedDelivery>.Create(ByWebhook);
    private static readonly IComparer<RoutedRun> AutomationOrder = Comparer<RoutedRun>.Create(ByAutomation);

    /// <summary>Adds what event <paramref name="index"/> produces to <paramref name="deliveries"/> and <paramref name="runs"/>.</summary>
    public static void Route(SubscriptionSnapshot snapshot, int index, string organizationId, string type, string? deviceId, string? targetAutomationId,
        List<RoutedDelivery> deliveries, List<RoutedRun> runs)
    {
        var firstDelivery = deliveries.Count;
        if (targetAutomationId is not null)
        {
            if (snapshot.TryGetAutomation(targetAutomationId, out var target) && target.Automation.OrganizationId == organizationId)
            {
                AddDeliveries(target, index, deliveries); // already in id order
            }
            return;
        }
        var firstRun = runs.Count;
        var deviceKey = deviceId ?? "";
        if (snapshot.TryGetCandidates(organizationId, type, out var exact))
        {
            Match(exact, index, deviceKey, deliveries, firstDelivery, runs, firstRun);
        }
        if (type != "*" && snapshot.TryGetCandidates(organizationId, "*", out var any))
        {
            Match(any, index, deviceKey, deliveries, firstDelivery, runs, firstRun);
        }
        if (deliveries.Count - firstDelivery > 1)
        {
            deliveries.Sort(firstDelivery, deliveries.Count - firstDelivery, WebhookOrder);
        }
        if (runs.Count - firstRun > 1)
        {
            runs.Sort(firstRun, runs.Count - firstRun, AutomationOrder);
        }
    }

    /// <summary>The key that orders an ordered webhook's deliveries: per webhook and device.</summary>
    public static string? OrderingKey(string webhookId, bool ordered, string? deviceId) => ordered ? webhookId + ":" + deviceId : null;

    private static void Match(SubscriptionSnapshot.Candidate[] candidates, int index, string deviceKey,
        List<RoutedDelivery> deliveries, int firstDelivery, List<RoutedRun> runs, int firstRun)
    {
        foreach (var (subscribedDevice, target) in candidates)
        {
            if (subscribedDevice.Length != 0 && subscribedDevice != deviceKey)
            {
                continue;
            }
            var automationId = target.Automation.Id;
            if (target.Kind == RouteKind.Run)
            {
                if (!ContainsRun(runs, firstRun, automationId))
                {
                    runs.Add(new RoutedRun(index, automationId));
                }
            }
            else if (!ContainsDelivery(deliveries, firstDelivery, automationId))
            {
                AddDeliveries(target, index, deliveries);
            }
        }
    }

    private static void AddDeliveries(SubscriptionSnapshot.Target target, int index, List<RoutedDelivery> deliveries)
    {
        foreach (var webhook in target.Webhooks)
        {
            deliveries.Add(new RoutedDelivery(index, webhook.Id, webhook.AutomationId, webhook.Ordered));
        }
    }

    // A matched automation counts once per event (the SQL's DISTINCT); matches per event are few.
    private static bool ContainsRun(List<RoutedRun> runs, int from, string automationId)
    {
        for (var i = from; i < runs.Count; i++)
        {
            if (runs[i].AutomationId == automationId)
            {
                return true;
            }
        }
        return false;
    }

    private static bool ContainsDelivery(List<RoutedDelivery> deliveries, int from, string automationId)
    {
        for (var i = from; i < deliveries.Count; i++)
        {
            if (deliveries[i].AutomationId == automationId)
            {
                return true;
            }
        }
        return false;
    }
}
