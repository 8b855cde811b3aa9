namespace SmartApi.Storage.Sqlite;

internal abstract partial class Sql : RelationalSql
{
    public const string MarkCommandDelivered =
        "UPDATE commands SET status = 'delivered', updated_at = @now, lease_owner = NULL, lease_until = NULL WHERE id = @id AND status = 'pending'";
}
