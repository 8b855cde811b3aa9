using SmartApi.Storage;

namespace SmartApi.Server.Events;

/// <summary>
/// Wakes every live stream of this node after a commit that appended events. A broadcast, unlike
/// the dispatcher's <c>DeliverySignal</c>: each waiter takes the current task before it reads the
/// log, so a commit between its read and its wait still wakes it.
/// </summary>
internal sealed class EventLogSignal : IDisposable
{
    private readonly IEventStore _store;
    private TaskCompletionSource _next = NewSource();

    public EventLogSignal(IEventStore store)
    {
        _store = store;
        _store.EventsAppended += OnEventsAppended;
    }

    /// <summary>Completes at the next commit that appends events. Take it before reading the log.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    public void Notify() => Interlocked.Exchange(ref _next, NewSource()).TrySetResult();

    public void Dispose() => _store.EventsAppended -= OnEventsAppended;

    private void OnEventsAppended(object? sender, EventArgs e) => Notify();

    // Continuations run on the pool, never inside the store's writer loop.
    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
