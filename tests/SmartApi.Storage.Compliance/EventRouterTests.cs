using SmartApi.Storage.Routing;

namespace SmartApi.Storage.Compliance;

/// <summary>
/// <see cref="EventRouter"/> on its own, with no database: named cases, then agreement with a naive
/// reference written as the matching SQL used to be (MatchWebhooks, MatchRules, TargetWebhooks) on
/// random automations and events. No store: one provider test project runs it (SqliteEventRouterTests).
/// </summary>
public abstract class EventRouterTests
{
    [Theory]
    [InlineData(null, "Deliveries")]
    [InlineData(RuleKind.Event, "Run")]
    [InlineData(RuleKind.Schedule, "None")]
    [InlineData(RuleKind.Power, "None")]
    public void AutomationRouting_RuleKind_DecidesDeliveriesOrRun(string? kind, string expected) =>
        Assert.Equal(expected, AutomationRouting.For(kind).ToString());

    [Fact]
    public void Route_PlainAutomation_YieldsADeliveryPerActiveWebhookInIdOrder_Once()
    {
        var snapshot = new SubscriptionSnapshot(
            [new RoutingAutomation("aut_1", "org_1", true, null)],
            [new RoutingWebhook("whk_b", "aut_1", true), new RoutingWebhook("whk_a", "aut_1", false)],
            [Sub("device.online", "", "aut_1"), Sub("*", "", "aut_1"), Sub("device.online", "dev_1", "aut_1")], 0);

        var (deliveries, runs) = Route(snapshot, "org_1", "device.online", "dev_1");

        Assert.Equal([new RoutedDelivery(0, "whk_a", "aut_1", false), new RoutedDelivery(0, "whk_b", "aut_1", true)], deliveries);
        Assert.Empty(runs);
        Assert.Equal("whk_b:dev_1", EventRouter.OrderingKey("whk_b", true, "dev_1"));
        Assert.Equal("whk_b:", EventRouter.OrderingKey("whk_b", true, null));
        Assert.Null(EventRouter.OrderingKey("whk_a", false, "dev_1"));
    }

    [Fact]
    public void Route_EngineAutomation_YieldsOneRunAndNoDelivery()
    {
        var snapshot = new SubscriptionSnapshot(
            [new RoutingAutomation("aut_1", "org_1", true, RuleKind.Event)],
            [new RoutingWebhook("whk_a", "aut_1", false)],
            [Sub("*", "", "aut_1"), Sub("device.online", "", "aut_1")], 0);

        var (deliveries, runs) = Route(snapshot, "org_1", "device.online", null);

        Assert.Empty(deliveries);
        Assert.Equal([new RoutedRun(0, "aut_1")], runs);
    }

    [Fact]
    public void Route_FiltersOnOrganizationTypeDeviceAndEnabled()
    {
        var snapshot = new SubscriptionSnapshot(
            [new RoutingAutomation("aut_1", "org_1", true, null), new RoutingAutomation("aut_2", "org_1", false, null)],
            [new RoutingWebhook("whk_1", "aut_1", false), new RoutingWebhook("whk_2", "aut_2", false)],
            [Sub("device.online", "dev_1", "aut_1"), Sub("*", "", "aut_2")], 0);

        Assert.Empty(Route(snapshot, "org_2", "device.online", "dev_1").Deliveries);
        Assert.Empty(Route(snapshot, "org_1", "device.offline", "dev_1").Deliveries);
        Assert.Empty(Route(snapshot, "org_1", "device.online", "dev_2").Deliveries);
        Assert.Empty(Route(snapshot, "org_1", "device.online", null).Deliveries);
        Assert.Equal("whk_1", Assert.Single(Route(snapshot, "org_1", "device.online", "dev_1").Deliveries).WebhookId);
    }

    [Fact]
    public void Route_TargetedEvent_GoesToThatAutomationsActiveWebhooksOnly_EvenDisabledOrEngine()
    {
        var snapshot = new SubscriptionSnapshot(
            [new RoutingAutomation("aut_1", "org_1", false, RuleKind.Event), new RoutingAutomation("aut_2", "org_1", true, null)],
            [new RoutingWebhook("whk_1", "aut_1", false), new RoutingWebhook("whk_2", "aut_2", false)],
            [Sub("*", "", "aut_2")], 0);

        var (deliveries, runs) = Route(snapshot, "org_1", "automation.test", null, target: "aut_1");

        Assert.Equal("whk_1", Assert.Single(deliveries).WebhookId);
        Assert.Empty(runs);
        Assert.Empty(Route(snapshot, "org_2", "automation.test", null, target: "aut_1").Deliveries);
        Assert.Empty(Route(snapshot, "org_1", "automation.test", null, target: "aut_missing").Deliveries);
    }

    [Fact]
    public void Route_AgreesWithTheMatchingSql_OnRandomAutomationsAndEvents()
    {
        for (var seed = 0; seed < 300; seed++)
        {
            var random = new Random(seed);
            var world = World.Random(random);
            var snapshot = world.Snapshot();
            for (var i = 0; i < 40; i++)
            {
                var org = Pick(random, Orgs);
                var type = Pick(random, Types);
                var device = random.Next(3) == 0 ? null : Pick(random, Devices);
                var target = random.Next(4) == 0 ? Pick(random, world.Automations.Select(a => a.Id).Append("aut_missing").ToArray()) : null;
                var (deliveries, runs) = Route(snapshot, org, type, device, target);
                var (expectedDeliveries, expectedRuns) = world.Reference(org, type, device, target);
                Assert.True(expectedDeliveries.SequenceEqual(deliveries), $"seed {seed}: deliveries of {org} {type} {device} {target}");
                Assert.True(expectedRuns.SequenceEqual(runs), $"seed {seed}: runs of {org} {type} {device} {target}");
            }
        }
    }

    private static readonly string[] Orgs = ["org_1", "org_2"];
    private static readonly string[] Types = ["device.online", "device.offline", "switch.changed"];
    private static readonly string[] Devices = ["dev_1", "dev_2"];
    private static readonly string[] OtherKinds = [RuleKind.Schedule, RuleKind.Power];
    private static readonly string[] Statuses = ["active", "active", "disabled", "removed"];

    private static string Pick(Random random, string[] items) => items[random.Next(items.Length)];

    private static RoutingSubscription Sub(string type, string device, string automation) => new("org_1", type, device, automation);

    private static (List<RoutedDelivery> Deliveries, List<RoutedRun> Runs) Route(SubscriptionSnapshot snapshot, string org, string type, string? device,
        string? target = null)
    {
        List<RoutedDelivery> deliveries = [];
        List<RoutedRun> runs = [];
        EventRouter.Route(snapshot, 0, org, type, device, target, deliveries, runs);
        return (deliveries, runs);
    }

    /// <summary>
    /// Rows as the server wrote them before migration 0012: a plain automation's subscriptions per
    /// live webhook, an engine automation's per automation.
    /// </summary>
    private sealed record World(
        List<(string Id, string Org, bool Enabled, string? Kind)> Automations,
        List<(string Id, string Automation, string Org, bool Ordered, string Status)> Webhooks,
        List<(string Org, string Type, string Device, string Webhook)> WebhookSubscriptions,
        List<(string Org, string Type, string Device, string Automation)> RuleSubscriptions)
    {
        public static World Random(Random random)
        {
            var world = new World([], [], [], []);
            var count = random.Next(6);
            for (var a = 0; a < count; a++)
            {
                var id = $"aut_{a}";
                var org = Pick(random, Orgs);
                string? kind = random.Next(4) switch { 0 or 1 => null, 2 => RuleKind.Event, _ => Pick(random, OtherKinds) };
                world.Automations.Add((id, org, random.Next(5) > 0, kind));
                var live = new List<string>();
                for (var w = random.Next(4); w > 0; w--)
                {
                    var webhook = $"whk_{random.Next(1000):D3}_{a}_{w}";
                    var status = Pick(random, Statuses);
                    world.Webhooks.Add((webhook, id, org, random.Next(2) == 0, status));
                    if (status != "removed")
                    {
                        live.Add(webhook);
                    }
                }
                var subscriptions = Enumerable.Range(0, random.Next(4))
                    .Select(_ => (Type: random.Next(3) == 0 ? "*" : Pick(random, Types), Device: random.Next(2) == 0 ? "" : Pick(random, Devices)))
                    .Distinct().ToList();
                if (kind is null)
                {
                    world.WebhookSubscriptions.AddRange(live.SelectMany(w => subscriptions.Select(s => (org, s.Type, s.Device, w))));
                }
                else if (kind == RuleKind.Event)
                {
                    world.RuleSubscriptions.AddRange(subscriptions.Select(s => (org, s.Type, s.Device, id)));
                }
            }
            return world;
        }

        /// <summary>As migration 0012 carries the rows into event_subscriptions and SubscriptionSnapshotLoader reads them.</summary>
        public SubscriptionSnapshot Snapshot() => new(
            Automations.Select(a => new RoutingAutomation(a.Id, a.Org, a.Enabled, a.Kind)),
            Webhooks.Where(w => w.Status == "active").Select(w => new RoutingWebhook(w.Id, w.Automation, w.Ordered)),
            WebhookSubscriptions.Join(Webhooks, s => s.Webhook, w => w.Id, (s, w) => new RoutingSubscription(s.Org, s.Type, s.Device, w.Automation))
                .Concat(RuleSubscriptions.Select(s => new RoutingSubscription(s.Org, s.Type, s.Device, s.Automation))).Distinct(),
            0);

        /// <summary>The SQL the router replaced, as LINQ.</summary>
        public (List<RoutedDelivery>, List<RoutedRun>) Reference(string org, string type, string? device, string? target)
        {
            var key = device ?? "";
            if (target is not null)
            {
                // TargetWebhooks
                return (Webhooks.Where(w => w.Automation == target && w.Org == org && w.Status == "active")
                    .Select(w => new RoutedDelivery(0, w.Id, w.Automation, w.Ordered)).OrderBy(d => d.WebhookId, StringComparer.Ordinal).ToList(), []);
            }
            // MatchWebhooks
            var deliveries = WebhookSubscriptions
                .Where(s => s.Org == org && (s.Type == type || s.Type == "*") && (s.Device == key || s.Device == ""))
                .Join(Webhooks, s => s.Webhook, w => w.Id, (s, w) => w)
                .Where(w => w.Status == "active" && Automations.Single(a => a.Id == w.Automation).Enabled)
                .Select(w => new RoutedDelivery(0, w.Id, w.Automation, w.Ordered)).Distinct()
                .OrderBy(d => d.WebhookId, StringComparer.Ordinal).ToList();
            // MatchRules
            var runs = RuleSubscriptions
                .Where(s => s.Org == org && (s.Type == type || s.Type == "*") && (s.Device == key || s.Device == ""))
                .Where(s => Automations.Single(a => a.Id == s.Automation).Enabled)
                .Select(s => new RoutedRun(0, s.Automation)).Distinct()
                .OrderBy(r => r.AutomationId, StringComparer.Ordinal).ToList();
            return (deliveries, runs);
        }
    }
}
