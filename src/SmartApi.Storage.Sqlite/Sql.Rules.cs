namespace SmartApi.Storage.Sqlite;

internal abstract partial class Sql : RelationalSql
{
    public const string DeleteRuleSubscriptions = "DELETE FROM automation_subscriptions WHERE automation_id = @automation";
    public const string InsertRuleSubscription =
        "INSERT OR IGNORE INTO automation_subscriptions (organization_id, event_type, device_id, automation_id) VALUES (@org, @type, @device, @automation)";

    // Matching runs: the same index lookup as webhooks, on the engine's subscriptions.
    public const string MatchRules =
        "SELECT DISTINCT s.automation_id FROM automation_subscriptions s JOIN automations a ON a.id = s.automation_id " +
        "WHERE s.organization_id = @org AND s.event_type IN (@type, '*') AND s.device_id IN (@device, '') AND a.enabled = 1";

    public const string ClaimRuns =
        LeasePendingRuns + ") RETURNING " + RunColumns;
    public const string PruneRuns =
        OldRuns + ")";
}
