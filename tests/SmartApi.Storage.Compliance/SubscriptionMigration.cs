namespace SmartApi.Storage.Compliance;

/// <summary>
/// Migration 0012 (one event_subscriptions table) on a database written by the version before it,
/// the same on both databases: <see cref="Seed"/> holds rows of both old tables (written at version
/// 11 by the provider's test), <see cref="VerifyAsync"/> checks the rows carried over and that the
/// migrated store routes them exactly as before, then that saving an automation as another shape
/// keeps one set of rows.
/// </summary>
public static class SubscriptionMigration
{
    public const long Version = 12;

    /// <summary>Reads the migrated table as (organization, event type, device, automation).</summary>
    public const string ReadRows = "SELECT organization_id, event_type, device_id, automation_id FROM event_subscriptions";

    /// <summary>
    /// A plain automation (three webhooks: two active, one disabled, each with the automation's
    /// subscriptions, as the server wrote them), an engine automation with its own webhook and rule
    /// subscriptions, and a plain automation of another organization.
    /// </summary>
    public const string Seed = """
        INSERT INTO organizations (id, name, created_at) VALUES ('org_a', 'A', 1), ('org_b', 'B', 1);
        INSERT INTO automations (id, organization_id, name, enabled, definition, created_at, updated_at) VALUES
            ('aut_plain', 'org_a', 'Plain', TRUE, '{}', 1, 1),
            ('aut_engine', 'org_a', 'Engine', TRUE, '{}', 1, 1),
            ('aut_other', 'org_b', 'Other', TRUE, '{}', 1, 1);
        INSERT INTO webhooks (id, organization_id, automation_id, action_index, url, headers, ordered, standard_webhooks, status, created_at) VALUES
            ('whk_1', 'org_a', 'aut_plain', 0, 'https://a.example.com/1', '{}', FALSE, FALSE, 'active', 1),
            ('whk_2', 'org_a', 'aut_plain', 1, 'https://a.example.com/2', '{}', TRUE, FALSE, 'active', 1),
            ('whk_3', 'org_a', 'aut_plain', 2, 'https://a.example.com/3', '{}', FALSE, FALSE, 'disabled', 1),
            ('whk_4', 'org_a', 'aut_engine', 0, 'https://a.example.com/4', '{}', FALSE, FALSE, 'active', 1),
            ('whk_5', 'org_b', 'aut_other', 0, 'https://b.example.com/5', '{}', FALSE, FALSE, 'active', 1);
        INSERT INTO webhook_subscriptions (organization_id, event_type, device_id, webhook_id) VALUES
            ('org_a', 'device.online', '', 'whk_1'), ('org_a', 'device.switched', 'dev_1', 'whk_1'),
            ('org_a', 'device.online', '', 'whk_2'), ('org_a', 'device.switched', 'dev_1', 'whk_2'),
            ('org_a', 'device.online', '', 'whk_3'), ('org_a', 'device.switched', 'dev_1', 'whk_3'),
            ('org_b', '*', '', 'whk_5');
        INSERT INTO automation_rules (automation_id, organization_id, kind) VALUES ('aut_engine', 'org_a', 'event');
        INSERT INTO automation_subscriptions (organization_id, event_type, device_id, automation_id) VALUES
            ('org_a', 'device.online', '', 'aut_engine'), ('org_a', '*', 'dev_2', 'aut_engine');
        """;

    /// <summary>The rows of <see cref="Seed"/> once migrated: a webhook's become its automation's, once.</summary>
    public static IReadOnlyList<(string Organization, string Type, string Device, string Automation)> Expected { get; } =
    [
        ("org_a", "*", "dev_2", "aut_engine"),
        ("org_a", "device.online", "", "aut_engine"),
        ("org_a", "device.online", "", "aut_plain"),
        ("org_a", "device.switched", "dev_1", "aut_plain"),
        ("org_b", "*", "", "aut_other"),
    ];

    /// <param name="store">The store opened (and so migrated) on the seeded database.</param>
    /// <param name="readRows">Reads <see cref="ReadRows"/> from the database.</param>
    public static async Task VerifyAsync(ISmartApiStore store, Func<Task<IEnumerable<(string, string, string, string)>>> readRows,
        CancellationToken cancellationToken)
    {
        Assert.Equal(Expected, Sorted(await readRows()));

        var ids = new IdGenerator(TimeProvider.System);
        var now = TimeProvider.System.GetUtcNow();
        async Task<string> AppendAsync(string organization, string type, string? device) =>
            (await store.AppendEventAsync(new NewEvent(ids.New("evt"), organization, type, device, now, "{}"), cancellationToken: cancellationToken)).Id;
        async Task<List<(string Webhook, string Event)>> DeliveriesAsync(string organization) =>
            [.. (await store.ListDeliveriesAsync(organization, new DeliveryFilter(), new PageRequest(null, 100), cancellationToken)).Items
                .Select(d => (d.WebhookId, d.EventId)).Order()];
        async Task<List<string?>> RunsAsync(string organization, string automation) =>
            [.. (await store.ListRunsAsync(organization, automation, new PageRequest(null, 100), cancellationToken)).Items.Select(r => r.EventId)];

        var online = await AppendAsync("org_a", "device.online", "dev_9");
        var switched = await AppendAsync("org_a", "device.switched", "dev_1");
        var otherDevice = await AppendAsync("org_a", "device.switched", "dev_2");
        await AppendAsync("org_a", "device.offline", "dev_1");
        var foreign = await AppendAsync("org_b", "device.offline", null);

        // The disabled webhook and the engine automation's webhook get nothing; the engine queues runs.
        Assert.Equal(new[] { ("whk_1", online), ("whk_1", switched), ("whk_2", online), ("whk_2", switched) }.Order(), await DeliveriesAsync("org_a"));
        Assert.Equal(new[] { online, otherDevice }.Order(), (await RunsAsync("org_a", "aut_engine")).Order());
        Assert.Equal([("whk_5", foreign)], await DeliveriesAsync("org_b"));

        // A condition added to the plain automation, then removed: still one set of rows.
        var automation = await store.GetAutomationAsync("org_a", "aut_plain", cancellationToken);
        Subscription[] subscriptions = [new("device.online", null), new("device.switched", "dev_1")];
        WebhookDefinition[] webhooks = [new(0, "https://a.example.com/1", "{}", false, false), new(1, "https://a.example.com/2", "{}", true, false)];
        foreach (var kind in new[] { RuleKind.Event, null })
        {
            await store.WriteAsync(async tx =>
            {
                await tx.SaveAutomationAsync(automation!, webhooks, subscriptions);
                await tx.SetRuleAsync("org_a", "aut_plain", kind, null, resetPowerStates: true);
                return true;
            }, cancellationToken);
            Assert.Equal(Expected, Sorted(await readRows()));
        }
    }

    private static List<(string, string, string, string)> Sorted(IEnumerable<(string, string, string, string)> rows) =>
        [.. rows.OrderBy(r => r.Item1, StringComparer.Ordinal).ThenBy(r => r.Item2, StringComparer.Ordinal)
            .ThenBy(r => r.Item3, StringComparer.Ordinal).ThenBy(r => r.Item4, StringComparer.Ordinal)];
}
