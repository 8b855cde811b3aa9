namespace SmartApi.Storage.Postgres;

internal static partial class Sql
{
    public const string UpsertAutomation =
        "INSERT INTO automations (id, organization_id, name, enabled, definition, created_at, updated_at) " +
        "VALUES (@Id, @OrganizationId, @Name, @Enabled, @DefinitionJson, @CreatedAt, @UpdatedAt) " +
        "ON CONFLICT (id) DO UPDATE SET name = excluded.name, enabled = excluded.enabled, definition = excluded.definition, updated_at = excluded.updated_at " +
        "WHERE automations.organization_id = excluded.organization_id";
    private const string AutomationColumns = "id, organization_id, name, enabled, definition AS definition_json, created_at, updated_at";
    public const string GetAutomation = "SELECT " + AutomationColumns + " FROM automations WHERE organization_id = @org AND id = @id";
    public const string ListAutomations =
        "SELECT " + AutomationColumns + " FROM automations WHERE organization_id = @org AND id > @after ORDER BY id LIMIT @limit";
    public const string DeleteAutomation = "DELETE FROM automations WHERE organization_id = @org AND id = @id";

    private const string WebhookColumns =
        "id, organization_id, automation_id, action_index, url, headers AS headers_json, ordered, standard_webhooks, status, disabled_reason, failing_since, created_at";
    public const string ListLiveWebhooks =
        "SELECT " + WebhookColumns + " FROM webhooks WHERE automation_id = @automation AND status <> 'removed' ORDER BY action_index";
    public const string ListWebhooksOfAutomations =
        "SELECT " + WebhookColumns + " FROM webhooks WHERE automation_id = ANY(@ids) ORDER BY automation_id, action_index";
    public const string ListWebhooksWithHeaders =
        "SELECT " + WebhookColumns + " FROM webhooks WHERE headers <> '{}' AND id > @after ORDER BY id LIMIT @limit";
    public const string ReplaceWebhookHeaders = "UPDATE webhooks SET headers = @headers WHERE id = @id AND headers = @expected";
    public const string ReplaceAutomationDefinition = "UPDATE automations SET definition = @definition WHERE id = @id AND definition = @expected";
    public const string InsertWebhook =
        "INSERT INTO webhooks (id, organization_id, automation_id, action_index, url, headers, ordered, standard_webhooks, status, created_at) " +
        "VALUES (@id, @org, @automation, @index, @url, @headers, @ordered, @standard, 'active', @at)";
    public const string UpdateWebhook =
        "UPDATE webhooks SET url = @url, headers = @headers, ordered = @ordered, standard_webhooks = @standard WHERE id = @id";
    public const string ReactivateWebhook =
        "UPDATE webhooks SET status = 'active', disabled_reason = NULL, failing_since = NULL WHERE id = @id AND status = 'disabled'";
    public const string RemoveWebhook = "UPDATE webhooks SET status = 'removed' WHERE id = @id";
    public const string DeleteSubscriptions =
        "DELETE FROM webhook_subscriptions WHERE webhook_id IN (SELECT id FROM webhooks WHERE automation_id = @automation)";
    public const string InsertSubscription =
        "INSERT INTO webhook_subscriptions (organization_id, event_type, device_id, webhook_id) VALUES (@org, @type, @device, @webhook) ON CONFLICT DO NOTHING";
    public const string DisableWebhook =
        "UPDATE webhooks SET status = 'disabled', disabled_reason = @reason WHERE id = @id AND status = 'active'";
    public const string FailWebhookDeliveries =
        "UPDATE deliveries SET status = 'failed', last_error = @error, lease_owner = NULL, lease_expires_at = NULL, updated_at = @at " +
        "WHERE webhook_id = @id AND status = 'pending'";

    public const string InsertSecret =
        "INSERT INTO automation_secrets (id, automation_id, ciphertext, created_at, expires_at) VALUES (@Id, @AutomationId, @Ciphertext, @CreatedAt, @ExpiresAt)";
    public const string ExpireSecrets =
        "UPDATE automation_secrets SET expires_at = @at WHERE automation_id = @automation AND (expires_at IS NULL OR expires_at > @at)";
    public const string ListActiveSecrets =
        "SELECT id, automation_id, ciphertext, created_at, expires_at FROM automation_secrets " +
        "WHERE automation_id = @automation AND (expires_at IS NULL OR expires_at > @now) ORDER BY id DESC";

    private const string DeliveryColumns =
        "id, organization_id, automation_id, webhook_id, event_id, event_type, device_id, status, attempts, next_attempt_at, last_status_code, last_error, created_at, updated_at";
    // SKIP LOCKED: workers on several nodes claim disjoint batches without waiting on each other;
    // the lease (not the row lock, which ends with this statement's transaction) keeps a claimed
    // delivery from being claimed again until its worker records it or dies.
    // One round trip: the claim, with each delivery's event and webhook (a delivery whose event
    // or webhook is gone is claimed but not returned, and its lease lapses). Read as three rows
    // split at event_position and at the webhook's id.
    public const string ClaimDeliveries =
        "WITH c AS (UPDATE deliveries SET lease_owner = @owner, lease_expires_at = @leaseUntil WHERE id IN (" +
        "SELECT d.id FROM deliveries d WHERE d.status = 'pending' AND d.next_attempt_at <= @now " +
        "AND (d.lease_expires_at IS NULL OR d.lease_expires_at <= @now) " +
        "AND (d.ordering_key IS NULL OR NOT EXISTS (SELECT 1 FROM deliveries p WHERE p.ordering_key = d.ordering_key " +
        "AND p.status = 'pending' AND p.event_position < d.event_position)) " +
        "ORDER BY d.next_attempt_at, d.id LIMIT @limit FOR UPDATE SKIP LOCKED) RETURNING " + DeliveryColumns + ") " +
        "SELECT c.*, e.position AS event_position, e.created_at AS event_created_at, e.data AS event_data, " +
        "w.id, w.organization_id, w.automation_id, w.action_index, w.url, w.headers AS headers_json, " +
        "w.ordered, w.standard_webhooks, w.status, w.disabled_reason, w.failing_since, w.created_at " +
        "FROM c JOIN events e ON e.id = c.event_id JOIN webhooks w ON w.id = c.webhook_id ORDER BY c.next_attempt_at, c.id";
    // A batch of outcomes in one statement: the webhooks' failing_since (cleared by any success in
    // the batch, set by failures alone), the attempts (only while the delivery exists: its
    // automation may have been deleted while the attempt was in flight) and the deliveries' state.
    public const string CompleteDeliveries =
        "WITH s AS (UPDATE webhooks SET failing_since = NULL WHERE id = ANY(@succeeded) AND failing_since IS NOT NULL), " +
        "f AS (UPDATE webhooks SET failing_since = @at WHERE id = ANY(@failed) AND failing_since IS NULL), " +
        "u AS (SELECT * FROM unnest(@deliveries, @numbers, @startedAts, @statusCodes, @durations, @errors, @bodies, @statuses, @nexts) " +
        "AS u(delivery_id, number, started_at, status_code, duration_ms, error, response_body, status, next)), " +
        "a AS (INSERT INTO delivery_attempts (delivery_id, number, started_at, status_code, duration_ms, error, response_body) " +
        "SELECT u.delivery_id, u.number, u.started_at, u.status_code, u.duration_ms, u.error, u.response_body FROM u " +
        "WHERE EXISTS (SELECT 1 FROM deliveries d WHERE d.id = u.delivery_id) " +
        "ON CONFLICT (delivery_id, number) DO UPDATE SET started_at = excluded.started_at, status_code = excluded.status_code, " +
        "duration_ms = excluded.duration_ms, error = excluded.error, response_body = excluded.response_body) " +
        "UPDATE deliveries d SET status = u.status, attempts = u.number, next_attempt_at = u.next, lease_owner = NULL, lease_expires_at = NULL, " +
        "last_status_code = u.status_code, last_error = u.error, updated_at = @at FROM u WHERE d.id = u.delivery_id";
    public const string ReleaseDeliveries =
        "UPDATE deliveries SET lease_owner = NULL, lease_expires_at = NULL, next_attempt_at = @due WHERE id = ANY(@ids) AND status = 'pending'";
    public const string RetryDelivery =
        "UPDATE deliveries SET status = 'pending', next_attempt_at = @now, lease_owner = NULL, lease_expires_at = NULL, updated_at = @now " +
        "WHERE organization_id = @org AND id = @id";
    public const string RecoverDeliveries =
        "UPDATE deliveries SET status = 'pending', next_attempt_at = @now, updated_at = @now WHERE id IN (" +
        "SELECT id FROM deliveries WHERE organization_id = @org AND automation_id = @automation AND status = 'failed' " +
        "AND created_at >= @since ORDER BY id LIMIT @limit)";

    public const string GetDelivery = "SELECT " + DeliveryColumns + " FROM deliveries WHERE organization_id = @org AND id = @id";
    public const string ListDeliveries = "SELECT " + DeliveryColumns + " FROM deliveries WHERE organization_id = @org AND id > @after";
    public const string DeliveryAutomationFilter = " AND automation_id = @automation";
    public const string DeliveryEventFilter = " AND event_id = @event";
    public const string DeliveryStatusFilter = " AND status = @status";
    public const string ListAttempts =
        "SELECT delivery_id, number, started_at, status_code, duration_ms, error, response_body FROM delivery_attempts WHERE delivery_id = @id ORDER BY number";
    public const string CountPending = "SELECT COUNT(*) FROM deliveries WHERE status = 'pending'";

    public const string PruneDeliveries =
        "DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE created_at < @before AND status <> 'pending' ORDER BY id LIMIT @limit)";
    public const string PruneEvents =
        "DELETE FROM events WHERE position IN (SELECT e.position FROM events e WHERE e.created_at < @before " +
        "AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id AND d.status = 'pending') ORDER BY e.position LIMIT @limit)";

    public const string GetIdempotencyRecord =
        "SELECT organization_id, api_key_id, key, request_hash, response_status AS status, response_headers AS headers_json, response_body AS body, created_at " +
        "FROM idempotency_keys WHERE api_key_id = @apiKey AND key = @key";
    public const string ClaimIdempotencyKey =
        "INSERT INTO idempotency_keys (api_key_id, key, organization_id, request_hash, created_at) VALUES (@apiKey, @key, @org, @hash, @at) " +
        "ON CONFLICT (api_key_id, key) DO UPDATE SET request_hash = excluded.request_hash, created_at = excluded.created_at, " +
        "response_status = NULL, response_headers = NULL, response_body = NULL " +
        "WHERE (idempotency_keys.response_status IS NULL AND idempotency_keys.created_at < @abandonedBefore) " +
        "OR idempotency_keys.created_at < @expiredBefore";
    public const string CompleteIdempotencyKey =
        "UPDATE idempotency_keys SET response_status = @status, response_headers = @headers, response_body = @body WHERE api_key_id = @apiKey AND key = @key";
    public const string ReleaseIdempotencyKey =
        "DELETE FROM idempotency_keys WHERE api_key_id = @apiKey AND key = @key AND response_status IS NULL";
    public const string PruneIdempotencyKeys =
        "DELETE FROM idempotency_keys WHERE (api_key_id, key) IN (SELECT api_key_id, key FROM idempotency_keys WHERE created_at < @before LIMIT @limit)";
}
