namespace SmartApi.Storage.Postgres;

internal sealed partial class PostgresStoreTransaction
{
    // One round trip for a whole batch: the columns travel as arrays, as measurements do.
    public override async ValueTask InsertCommandsAsync(IReadOnlyList<Command> commands)
    {
        if (commands.Count == 0)
        {
            return;
        }
        CommandInserted();
        await db.ExecuteAsync(Sql.InsertCommands, new
        {
            ids = commands.Select(c => c.Id).ToArray(),
            orgs = commands.Select(c => c.OrganizationId).ToArray(),
            devices = commands.Select(c => c.DeviceId).ToArray(),
            actions = commands.Select(c => c.Action).ToArray(),
            states = commands.Select(c => c.State).ToArray(),
            statuses = commands.Select(c => c.Status).ToArray(),
            created = commands.Select(c => Ms.Of(c.CreatedAt)).ToArray(),
            updated = commands.Select(c => Ms.Of(c.UpdatedAt)).ToArray(),
            expires = commands.Select(c => Ms.Of(c.ExpiresAt)).ToArray(),
            errors = commands.Select(c => c.Error).ToArray(),
            sources = commands.Select(c => c.Source).ToArray(),
            automations = commands.Select(c => c.AutomationId).ToArray(),
            depths = commands.Select(c => (long)c.Depth).ToArray(),
            batches = commands.Select(c => c.BatchId).ToArray(),
        });
    }
}
