namespace SmartApi.Storage.Sqlite;

internal abstract partial class Sql : RelationalSql
{
    public const string GetWebhooksByIds = "SELECT " + WebhookColumns + " FROM webhooks WHERE id IN (SELECT value FROM json_each(@ids))";

    public const string InsertDelivery =
        InsertDeliveriesInto +
        "VALUES (@id, @org, @automation, @webhook, @event, @position, @type, @device, @orderingKey, 'pending', @at, @at, @at)";

    public const string ClaimDeliveries =
        LeaseClaimableDeliveries + "ORDER BY d.next_attempt_at LIMIT @limit) RETURNING " + DeliveryColumns;
    public const string GetEventsByIds =
        "SELECT position, id, organization_id, type, device_id, created_at, data, trace_parent FROM events WHERE id IN (SELECT value FROM json_each(@ids))";
    // Only while the delivery exists: its automation may have been deleted while the attempt was in flight.
    public const string InsertAttempt =
        "INSERT OR REPLACE INTO delivery_attempts (delivery_id, number, started_at, status_code, duration_ms, error, response_body, request_headers) " +
        "SELECT @delivery, @number, @startedAt, @statusCode, @durationMs, @error, @body, @headers WHERE EXISTS (SELECT 1 FROM deliveries WHERE id = @delivery)";
    public const string CompleteDelivery =
        "UPDATE deliveries SET status = @status, attempts = @number, next_attempt_at = @next, lease_owner = NULL, lease_expires_at = NULL, " +
        "last_status_code = @statusCode, last_error = @error, held_reason = NULL, updated_at = @at WHERE id = @delivery";
    public const string WebhookSucceeded = "UPDATE webhooks SET failing_since = NULL WHERE id = @id AND failing_since IS NOT NULL";
    public const string WebhookFailed = "UPDATE webhooks SET failing_since = @at WHERE id = @id AND failing_since IS NULL";
}
