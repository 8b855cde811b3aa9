namespace SmartApi.Storage.Postgres;

internal abstract partial class Sql : RelationalSql
{
    public const string MarkCommandsDelivered =
        "UPDATE commands SET status = 'delivered', updated_at = @now, lease_owner = NULL, lease_until = NULL WHERE id = ANY(@ids) AND status = 'pending'";
    public const string InsertCommands =
        "INSERT INTO commands (" + CommandColumns + ") SELECT * FROM unnest(@ids, @orgs, @devices, @actions, @states, @statuses, " +
        "@created, @updated, @expires, @errors, @sources, @automations, @depths, @batches)";
}
