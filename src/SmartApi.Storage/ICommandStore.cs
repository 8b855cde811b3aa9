namespace SmartApi.Storage;

/// <summary>Commands to devices: read by the API, claimed with a lease and moved through their statuses by the gateway.</summary>
public interface ICommandStore
{
    Task<Command?> GetCommandAsync(string organizationId, string deviceId, string id, CancellationToken cancellationToken = default);
    Task<PageResult<Command>> ListCommandsAsync(string organizationId, string deviceId, PageRequest page, CancellationToken cancellationToken = default);

    /// <summary>The commands of one batch (<see cref="Command.BatchId"/>) in id order; empty for another organization's batch or an unknown one.</summary>
    Task<IReadOnlyList<Command>> ListBatchCommandsAsync(string organizationId, string batchId, CancellationToken cancellationToken = default);
}

/// <summary>Changes to commands inside a write transaction.</summary>
public interface ICommandTransaction
{
    ValueTask InsertCommandAsync(Command command);

    /// <summary>Inserts several commands (a bulk switch's batch) in as few statements as the database allows.</summary>
    ValueTask InsertCommandsAsync(IReadOnlyList<Command> commands);

    /// <summary>
    /// Leases up to <paramref name="limit"/> pending, unexpired commands to <paramref name="owner"/>
    /// until <paramref name="leaseUntil"/>, in id order. Only commands of <paramref name="deviceIds"/>
    /// are claimed, or, when it is null, of devices marked online. A command whose lease lapsed
    /// (its publisher died) is claimable again.
    /// </summary>
    ValueTask<IReadOnlyList<Command>> ClaimCommandsAsync(string owner, DateTimeOffset now, DateTimeOffset leaseUntil, int limit, IReadOnlyCollection<string>? deviceIds);

    /// <summary>Moves pending commands to <c>delivered</c> and clears their lease; returns how many moved.</summary>
    ValueTask<int> MarkCommandsDeliveredAsync(IReadOnlyList<string> ids, DateTimeOffset now);

    /// <summary>A device's command by id, whatever its organization (the gateway knows the device, not the caller).</summary>
    ValueTask<Command?> FindCommandAsync(string deviceId, string id);

    /// <summary>
    /// Finishes a pending or delivered command with <paramref name="status"/> (<c>acknowledged</c>,
    /// <c>failed</c>); false when it was already finished.
    /// </summary>
    ValueTask<bool> CompleteCommandAsync(string id, string status, string? error, DateTimeOffset now);

    /// <summary>Marks up to <paramref name="limit"/> pending or delivered commands whose time ran out as <c>expired</c> and returns them as they are now.</summary>
    ValueTask<IReadOnlyList<Command>> ExpireCommandsAsync(DateTimeOffset now, int limit);
}
