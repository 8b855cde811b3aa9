namespace SmartApi.Storage.Postgres;

internal abstract partial class Sql : RelationalSql
{
    public const string DeleteRuleSubscriptions = "DELETE FROM automation_subscriptions WHERE automation_id = @automation";
    public const string InsertRuleSubscription =
        "INSERT INTO automation_subscriptions (organization_id, event_type, device_id, automation_id) VALUES (@org, @type, @device, @automation) ON CONFLICT DO NOTHING";

    public const string ClaimRuns =
        LeasePendingRuns + " FOR UPDATE SKIP LOCKED) RETURNING " + RunColumns;
    public const string PruneRuns =
        OldRuns + " FOR UPDATE SKIP LOCKED)";

    // One statement for every webhook of the automation: the rows travel as arrays.
    public const string InsertRunDeliveries =
        "INSERT INTO deliveries (id, organization_id, automation_id, webhook_id, event_id, event_position, event_type, device_id, ordering_key, status, next_attempt_at, created_at, updated_at) " +
        "SELECT u.id, @org, @automation, u.webhook, @event, @position, @type, @device, u.ordering_key, 'pending', @at, @at, @at " +
        "FROM unnest(@ids, @webhooks, @orderingKeys) AS u(id, webhook, ordering_key)";
}
