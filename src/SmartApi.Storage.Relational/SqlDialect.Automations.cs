namespace SmartApi.Storage.Relational;

internal abstract partial class SqlDialect
{
    /// <summary>An insert that skips a row its unique keys already hold (<c>INSERT OR IGNORE</c> / <c>ON CONFLICT DO NOTHING</c>).</summary>
    protected abstract string InsertIgnoringDuplicates(string into, string values);

    /// <summary>The condition that a column is one of an array parameter's values (Dapper expands the list on SQLite; PostgreSQL binds the array).</summary>
    protected abstract string InArray(string column, string parameter);

    /// <summary>What keeps event pruning off the newest event (SQLite hands its position out again; PostgreSQL's event log never does).</summary>
    protected abstract string KeepNewestEvent { get; }

    public string InsertSubscription => field ??= InsertIgnoringDuplicates(
        "event_subscriptions (organization_id, event_type, device_id, automation_id)", "(@org, @type, @device, @automation)");
    public string ExtendDeliveryLeases => field ??=
        "UPDATE deliveries SET lease_expires_at = @until WHERE " + InArray("id", "ids") + " AND status = 'pending' AND lease_owner = @owner RETURNING id";
    public string ReleaseDeliveries => field ??=
        "UPDATE deliveries SET lease_owner = NULL, lease_expires_at = NULL, next_attempt_at = @due, held_reason = @reason WHERE " + InArray("id", "ids") +
        " AND status = 'pending'";

    /// <summary>What follows a read of rows the unit goes on to update, so concurrent units on other nodes take turns (nothing where one writer writes).</summary>
    protected abstract string ForUpdate { get; }

    public string ListWebhookCircuits => field ??= "SELECT " + RelationalSql.WebhookCircuitColumns + " FROM webhook_circuits WHERE " + InList("webhook_id", "ids");
    // In id order, so two units locking overlapping sets cannot deadlock.
    public string LockWebhookCircuits => field ??= ListWebhookCircuits + " ORDER BY webhook_id" + ForUpdate;
    public string PruneEvents => field ??= RelationalSql.OldEvents + KeepNewestEvent + RelationalSql.OldEventsUndelivered;
    public string PruneOrganizationEvents => field ??= RelationalSql.OrganizationOldEvents + KeepNewestEvent + RelationalSql.OldEventsUndelivered;
    public string ClaimRuns => field ??= RelationalSql.LeasePendingRuns + SkipLocked + ") RETURNING " + RelationalSql.RunColumns;
    public string PruneRuns => field ??= RelationalSql.OldRuns + SkipLocked + ")";
}
