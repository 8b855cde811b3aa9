namespace SmartApi.Server.Infrastructure;

/// <summary>
/// Wakes one background worker's loop early: the worker waits on it between rounds with its poll
/// interval as the timeout, and whoever has work for it (most often the worker's part of a
/// <see cref="SmartApi.Storage.StoreCommit"/>) notifies it, so it need not poll fast to be quick.
/// </summary>
/// <remarks>
/// A wait that times out is the common case of an idle server (every worker, every poll), so it
/// costs one timer of the <see cref="TimeProvider"/> and one task, and throws nothing: a
/// semaphore's timed-out wait with a linked cancellation source threw and caught an exception
/// inside the runtime on every poll, a sizeable part of an idle server's CPU (ADR 052).
/// One worker waits on a signal at a time.
/// </remarks>
internal sealed class WakeSignal
{
    private readonly Lock _lock = new();
    // The waiting worker's task, or null; a notification with no waiter is kept (at most one) for the next wait.
    private TaskCompletionSource? _waiter;
    private bool _notified;

    public void Notify()
    {
        TaskCompletionSource? waiter;
        lock (_lock)
        {
            waiter = _waiter;
            _waiter = null;
            // Many notifications between two waits collapse into one.
            _notified |= waiter is null;
        }
        if (waiter is not null && !waiter.TrySetResult())
        {
            // The wait had just timed out: the worker's next round may already have begun, so it gets another.
            lock (_lock)
            {
                _notified = true;
            }
        }
    }

    /// <summary>Waits for a notification or <paramref name="timeout"/> on <paramref name="time"/>, whichever comes first.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        TaskCompletionSource waiter;
        lock (_lock)
        {
            if (_notified)
            {
                _notified = false;
                return;
            }
            waiter = _waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        using (time.CreateTimer(static state => ((TaskCompletionSource)state!).TrySetResult(), waiter, timeout, Timeout.InfiniteTimeSpan))
        using (cancellationToken.UnsafeRegister(static state => ((TaskCompletionSource)state!).TrySetResult(), waiter))
        {
            await waiter.Task;
        }
        lock (_lock)
        {
            if (_waiter == waiter)
            {
                _waiter = null; // timed out or cancelled: a later notification is kept for the next wait
            }
        }
        cancellationToken.ThrowIfCancellationRequested();
    }
}
