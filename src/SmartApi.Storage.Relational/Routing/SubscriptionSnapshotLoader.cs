using System.Data;
using Dapper;
using SmartApi.Storage.Routing;

namespace SmartApi.Storage.Relational.Routing;

/// <summary>
/// Reads a <see cref="SubscriptionSnapshot"/> in one round trip, the same SQL on both databases:
/// every automation with its rule kind, the active webhooks, and the one table of event
/// subscriptions (migration 0012). What a subscribed automation yields is
/// <see cref="AutomationRouting"/>'s decision from its rule kind.
/// </summary>
internal static class SubscriptionSnapshotLoader
{
    public const string Automations =
        "SELECT a.id, a.organization_id, a.enabled, r.kind AS rule_kind FROM automations a LEFT JOIN automation_rules r ON r.automation_id = a.id;";
    public const string ActiveWebhooks = "SELECT id, automation_id, ordered FROM webhooks WHERE status = 'active';";
    public const string Subscriptions = "SELECT organization_id, event_type, device_id, automation_id FROM event_subscriptions;";

    /// <summary>
    /// Loads the snapshot. <paramref name="versionSql"/>, when given, is a statement the provider
    /// runs first whose single value labels the snapshot: read before the rows, it is never newer
    /// than they are.
    /// </summary>
    public static async Task<SubscriptionSnapshot> LoadAsync(IDbConnection connection, IDbTransaction transaction, string? versionSql = null)
    {
        await using var results = await connection.QueryMultipleAsync((versionSql ?? "") + Automations + ActiveWebhooks + Subscriptions,
            transaction: transaction);
        var version = versionSql is null ? 0 : await results.ReadSingleAsync<long>();
        var automations = (await results.ReadAsync<AutomationRow>()).Select(a => new RoutingAutomation(a.Id, a.OrganizationId, a.Enabled, a.RuleKind));
        var webhooks = (await results.ReadAsync<MatchRow>()).Select(w => new RoutingWebhook(w.Id, w.AutomationId, w.Ordered));
        var subscriptions = (await results.ReadAsync<SubscriptionRow>())
            .Select(s => new RoutingSubscription(s.OrganizationId, s.EventType, s.DeviceId, s.AutomationId));
        return new SubscriptionSnapshot(automations.ToList(), webhooks.ToList(), subscriptions.ToList(), version);
    }

    private sealed class AutomationRow
    {
        public string Id { get; set; } = "";
        public string OrganizationId { get; set; } = "";
        public bool Enabled { get; set; }
        public string? RuleKind { get; set; }
    }

    private sealed class SubscriptionRow
    {
        public string OrganizationId { get; set; } = "";
        public string EventType { get; set; } = "";
        public string DeviceId { get; set; } = "";
        public string AutomationId { get; set; } = "";
    }
}
