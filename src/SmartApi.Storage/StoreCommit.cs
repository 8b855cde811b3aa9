namespace SmartApi.Storage;

/// <summary>
/// What one commit of this node's store writer did that a background worker may be waiting for:
/// events appended (live streams), deliveries queued (the webhook dispatcher), engine runs queued
/// (the automation runner), commands inserted (the command dispatcher). Published once per commit
/// through <see cref="ISmartApiStore.Committed"/>, after the commit and before the writing callers
/// resume, so whoever wrote can count on the wake-up. Each worker wakes only on its own part.
/// Commits on other nodes are not seen here: workers cover them with their bounded poll.
/// </summary>
/// <param name="EventsAppended">Events appended (a unit rolled back to its savepoint may still be counted: a spurious wake costs one read).</param>
/// <param name="DeliveriesQueued">Deliveries queued: new, retried or recovered.</param>
/// <param name="RunsQueued">Engine runs queued.</param>
/// <param name="CommandsQueued">Whether a command was inserted.</param>
public readonly record struct StoreCommit(int EventsAppended, int DeliveriesQueued, int RunsQueued, bool CommandsQueued)
{
    /// <summary>Whether the commit did nothing any worker waits for (then it is not published).</summary>
    public bool IsEmpty => EventsAppended == 0 && DeliveriesQueued == 0 && RunsQueued == 0 && !CommandsQueued;
}
