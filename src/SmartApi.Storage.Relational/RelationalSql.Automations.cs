namespace SmartApi.Storage.Relational;

internal abstract partial class RelationalSql
{
    public const string UpsertAutomation =
        "INSERT INTO automations (id, organization_id, name, enabled, definition, created_at, updated_at) " +
        "VALUES (@Id, @OrganizationId, @Name, @Enabled, @DefinitionJson, @CreatedAt, @UpdatedAt) " +
        "ON CONFLICT (id) DO UPDATE SET name = excluded.name, enabled = excluded.enabled, definition = excluded.definition, updated_at = excluded.updated_at " +
        "WHERE automations.organization_id = excluded.organization_id";
    protected const string AutomationColumns = "id, organization_id, name, enabled, definition AS definition_json, created_at, updated_at";
    public const string GetAutomation = "SELECT " + AutomationColumns + " FROM automations WHERE organization_id = @org AND id = @id";
    public const string ListAutomations =
        "SELECT " + AutomationColumns + " FROM automations WHERE organization_id = @org AND id > @after ORDER BY id LIMIT @limit";
    public const string DeleteSubscriptions = "DELETE FROM event_subscriptions WHERE automation_id = @automation";
    public const string DeleteAutomation = "DELETE FROM automations WHERE organization_id = @org AND id = @id";
    internal const string WebhookColumns =
        "id, organization_id, automation_id, action_index, url, headers AS headers_json, ordered, standard_webhooks, status, disabled_reason, failing_since, created_at";
    public const string ListLiveWebhooks =
        "SELECT " + WebhookColumns + " FROM webhooks WHERE automation_id = @automation AND status <> 'removed' ORDER BY action_index";
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
    internal const string WebhookCircuitColumns =
        "webhook_id, rate_per_second, rate_burst, failure_threshold, probe_interval, state, failure_streak, next_probe_at, changed_at";
    // Saving an action sets its limits and keeps its circuit: a PATCH does not hide a dead receiver.
    public const string UpsertWebhookLimits =
        "INSERT INTO webhook_circuits (webhook_id, rate_per_second, rate_burst, failure_threshold, probe_interval) VALUES (@id, @rate, @burst, @threshold, @probe) " +
        "ON CONFLICT (webhook_id) DO UPDATE SET rate_per_second = excluded.rate_per_second, rate_burst = excluded.rate_burst, " +
        "failure_threshold = excluded.failure_threshold, probe_interval = excluded.probe_interval";
    public const string SaveWebhookCircuitState =
        "UPDATE webhook_circuits SET state = @state, failure_streak = @streak, next_probe_at = @next, changed_at = @changed WHERE webhook_id = @id";
    public const string TakeWebhookProbe =
        "UPDATE webhook_circuits SET state = 'half_open', next_probe_at = @next WHERE webhook_id = @id AND state <> 'closed' AND next_probe_at <= @now";
    public const string RemoveWebhook = "UPDATE webhooks SET status = 'removed' WHERE id = @id";
    public const string DisableWebhook =
        "UPDATE webhooks SET status = 'disabled', disabled_reason = @reason WHERE id = @id AND status = 'active'";
    public const string FailWebhookDeliveries =
        "UPDATE deliveries SET status = 'failed', last_error = @error, lease_owner = NULL, lease_expires_at = NULL, held_reason = NULL, updated_at = @at " +
        "WHERE webhook_id = @id AND status = 'pending'";
    public const string InsertSecret =
        "INSERT INTO automation_secrets (id, automation_id, ciphertext, created_at, expires_at) VALUES (@Id, @AutomationId, @Ciphertext, @CreatedAt, @ExpiresAt)";
    public const string ExpireSecrets =
        "UPDATE automation_secrets SET expires_at = @at WHERE automation_id = @automation AND (expires_at IS NULL OR expires_at > @at)";
    public const string ListActiveSecrets =
        "SELECT id, automation_id, ciphertext, created_at, expires_at FROM automation_secrets " +
        "WHERE automation_id = @automation AND (expires_at IS NULL OR expires_at > @now) ORDER BY id DESC";
    protected const string DeliveryColumns =
        "id, organization_id, automation_id, webhook_id, event_id, event_type, device_id, status, attempts, next_attempt_at, last_status_code, last_error, created_at, updated_at, held_reason";
    // Queued now: whatever held it before (an open circuit, a rate limit) is no longer why it waits.
    public const string RetryDelivery =
        "UPDATE deliveries SET status = 'pending', next_attempt_at = @now, lease_owner = NULL, lease_expires_at = NULL, held_reason = NULL, updated_at = @now " +
        "WHERE organization_id = @org AND id = @id AND erased_at IS NULL";
    public const string RecoverDeliveries =
        "UPDATE deliveries SET status = 'pending', next_attempt_at = @now, held_reason = NULL, updated_at = @now WHERE id IN (" +
        "SELECT id FROM deliveries WHERE organization_id = @org AND automation_id = @automation AND status = 'failed' " +
        "AND erased_at IS NULL AND created_at >= @since ORDER BY id LIMIT @limit)";
    // The delivery log shows erasure; the engine's claims (DeliveryColumns) need not read it.
    protected const string DeliveryReadColumns = DeliveryColumns + ", erased_at";
    public const string GetDelivery = "SELECT " + DeliveryReadColumns + " FROM deliveries WHERE organization_id = @org AND id = @id";
    public const string ListAttempts =
        "SELECT delivery_id, number, started_at, status_code, duration_ms, error, response_body, request_headers AS request_headers_json FROM delivery_attempts WHERE delivery_id = @id ORDER BY number";
    public const string CountPending = "SELECT COUNT(*) FROM deliveries WHERE status = 'pending'";
    // Oldest first, in small batches, so that retention never holds the writer for long.
    public const string PruneDeliveries =
        "DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE created_at < @before AND status <> 'pending' ORDER BY id LIMIT @limit)";
}
