using SmartApi.Storage;

namespace SmartApi.Server.Events;

/// <summary>
/// Wakes every live stream of this node after a commit that appended events. A broadcast, unlike
/// a worker's <see cref="Infrastructure.WakeSignal"/>: each waiter takes the current task before it reads the
/// log, so a commit between its read and its wait still wakes it.
/// </summary>
internal sealed class EventLogSignal : IDisposable
{
    private readonly ISmartApiStore _store;
    private TaskCompletionSource _next = NewSource();

    public EventLogSignal(ISmartApiStore store)
    {
        _store = store;
        _store.Committed += OnCommitted;
    }

    /// <summary>Completes at the next commit that appends events. Take it before reading the log.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    public void Notify() => Interlocked.Exchange(ref _next, NewSource()).TrySetResult();

    public void Dispose() => _store.Committed -= OnCommitted;

    private void OnCommitted(StoreCommit commit)
    {
        if (commit.EventsAppended > 0)
        {
            Notify();
        }
    }

    // Continuations run on the pool, never inside the store's writer loop.
    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
