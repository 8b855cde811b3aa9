namespace SmartApi.Storage.Sqlite;

internal abstract partial class Sql
{
    /// <summary>A delivery an append routed: leased to this node's engine when it is handed off (<c>@leaseOwner</c>), else NULLs and claimed.</summary>
    public const string InsertRoutedDelivery =
        "INSERT INTO deliveries (id, organization_id, automation_id, webhook_id, event_id, event_position, event_type, device_id, ordering_key, status, " +
        "next_attempt_at, created_at, updated_at, lease_owner, lease_expires_at) " +
        "VALUES (@id, @org, @automation, @webhook, @event, @position, @type, @device, @orderingKey, 'pending', @at, @at, @at, @leaseOwner, @leaseUntil)";

    public const string GetWebhook = "SELECT " + WebhookColumns + " FROM webhooks WHERE id = @id";

    /// <summary>At start-up, before any engine of this process runs: every lease left is a dead process's (one node).</summary>
    public const string ReleaseDeliveryLeases =
        "UPDATE deliveries SET lease_owner = NULL, lease_expires_at = NULL WHERE status = 'pending' AND lease_owner IS NOT NULL";
}
