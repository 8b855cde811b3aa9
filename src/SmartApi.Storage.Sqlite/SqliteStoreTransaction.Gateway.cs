namespace SmartApi.Storage.Sqlite;

// A switch round trip claims, marks, finds and completes its command: kept prepared (see the class summary).
internal sealed partial class SqliteStoreTransaction
{
    public override async ValueTask<IReadOnlyList<Command>> ClaimCommandsAsync(
        string owner, DateTimeOffset now, DateTimeOffset leaseUntil, int limit, IReadOnlyCollection<string>? deviceIds)
    {
        if (deviceIds is { Count: 0 })
        {
            return [];
        }
        var command = deviceIds is null
            ? Command(Dialect.ClaimCommandsOfOnlineDevices)
            : Command(Dialect.ClaimCommandsOfDevices).With("@devices", Dialect.IdList(deviceIds));
        return SortClaimed(await command.With("@owner", owner).With("@until", Ms.Of(leaseUntil)).With("@now", Ms.Of(now)).With("@limit", limit)
            .ListAsync<CommandRow>());
    }

    public async ValueTask<int> MarkCommandsDeliveredAsync(IReadOnlyList<string> ids, DateTimeOffset now)
    {
        var moved = 0;
        var command = Command(Sql.MarkCommandDelivered).With("@now", Ms.Of(now));
        foreach (var id in ids)
        {
            moved += await command.With("@id", id).ExecuteNonQueryAsync();
        }
        return moved;
    }

    public override async ValueTask<Command?> FindCommandAsync(string deviceId, string id) =>
        (await Command(Sql.FindCommand).With("@device", deviceId).With("@id", id).SingleOrDefaultAsync<CommandRow>())?.ToEntity();

    public override async ValueTask<bool> CompleteCommandAsync(string id, string status, string? error, DateTimeOffset now) =>
        await Command(Sql.CompleteCommand).With("@id", id).With("@status", status).With("@error", error).With("@now", Ms.Of(now))
            .ExecuteNonQueryAsync() == 1;
}
