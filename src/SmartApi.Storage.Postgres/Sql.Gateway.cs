namespace SmartApi.Storage.Postgres;

internal abstract partial class Sql : RelationalSql
{
    public const string MarkCommandsDelivered =
        "UPDATE commands SET status = 'delivered', updated_at = @now, lease_owner = NULL, lease_until = NULL WHERE id = ANY(@ids) AND status = 'pending'";
}
