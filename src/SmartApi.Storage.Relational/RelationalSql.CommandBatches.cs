namespace SmartApi.Storage.Relational;

internal abstract partial class RelationalSql
{
    // Through the partial index ix_commands_batch (batch_id, id); the organization is checked on the few rows found.
    public const string ListBatchCommands =
        "SELECT " + CommandColumns + " FROM commands WHERE batch_id = @batch AND organization_id = @org ORDER BY id";
}
