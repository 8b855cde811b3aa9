namespace SmartApi.Storage.Postgres;

internal abstract partial class Sql : RelationalSql
{
    // SKIP LOCKED: workers on several nodes claim disjoint batches without waiting on each other;
    // the lease (not the row lock, which ends with this statement's transaction) keeps a claimed
    // delivery from being claimed again until its worker records it or dies.
    // One round trip: the claim, with each delivery's event and webhook (a delivery whose event
    // or webhook is gone is claimed but not returned, and its lease lapses). Read as three rows
    // split at event_position and at the webhook's id.
    public const string ClaimDeliveries =
        "WITH c AS (" + LeaseClaimableDeliveries +
        "ORDER BY d.next_attempt_at, d.id LIMIT @limit FOR UPDATE SKIP LOCKED) RETURNING " + DeliveryColumns + ") " +
        "SELECT c.*, e.position AS event_position, e.created_at AS event_created_at, e.data AS event_data, e.trace_parent AS event_trace_parent, " +
        "w.id, w.organization_id, w.automation_id, w.action_index, w.url, w.headers AS headers_json, " +
        "w.ordered, w.standard_webhooks, w.status, w.disabled_reason, w.failing_since, w.created_at " +
        "FROM c JOIN events e ON e.id = c.event_id JOIN webhooks w ON w.id = c.webhook_id ORDER BY c.next_attempt_at, c.id";
    // A batch of outcomes in one statement: the webhooks' failing_since (cleared by any success in
    // the batch, set by failures alone), the attempts (only while the delivery exists: its
    // automation may have been deleted while the attempt was in flight) and the deliveries' state.
    public const string CompleteDeliveries =
        "WITH s AS (UPDATE webhooks SET failing_since = NULL WHERE id = ANY(@succeeded) AND failing_since IS NOT NULL), " +
        "f AS (UPDATE webhooks SET failing_since = @at WHERE id = ANY(@failed) AND failing_since IS NULL), " +
        "u AS (SELECT * FROM unnest(@deliveries, @numbers, @startedAts, @statusCodes, @durations, @errors, @bodies, @headers, @statuses, @nexts) " +
        "AS u(delivery_id, number, started_at, status_code, duration_ms, error, response_body, request_headers, status, next)), " +
        "a AS (INSERT INTO delivery_attempts (delivery_id, number, started_at, status_code, duration_ms, error, response_body, request_headers) " +
        "SELECT u.delivery_id, u.number, u.started_at, u.status_code, u.duration_ms, u.error, u.response_body, u.request_headers FROM u " +
        "WHERE EXISTS (SELECT 1 FROM deliveries d WHERE d.id = u.delivery_id) " +
        "ON CONFLICT (delivery_id, number) DO UPDATE SET started_at = excluded.started_at, status_code = excluded.status_code, " +
        "duration_ms = excluded.duration_ms, error = excluded.error, response_body = excluded.response_body, request_headers = excluded.request_headers) " +
        "UPDATE deliveries d SET status = u.status, attempts = u.number, next_attempt_at = u.next, lease_owner = NULL, lease_expires_at = NULL, " +
        "last_status_code = u.status_code, last_error = u.error, held_reason = NULL, updated_at = @at FROM u WHERE d.id = u.delivery_id";
}
