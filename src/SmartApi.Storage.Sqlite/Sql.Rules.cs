namespace SmartApi.Storage.Sqlite;

internal abstract partial class Sql : RelationalSql
{
    public const string DeleteRuleSubscriptions = "DELETE FROM automation_subscriptions WHERE automation_id = @automation";
    public const string InsertRuleSubscription =
        "INSERT OR IGNORE INTO automation_subscriptions (organization_id, event_type, device_id, automation_id) VALUES (@org, @type, @device, @automation)";

    public const string ClaimRuns =
        LeasePendingRuns + ") RETURNING " + RunColumns;
    public const string PruneRuns =
        OldRuns + ")";
}
