namespace SmartApi.Server.Infrastructure;

/// <summary>
/// Wakes one background worker's loop early: the worker waits on it between rounds with its poll
/// interval as the timeout, and whoever has work for it (most often the worker's part of a
/// <see cref="SmartApi.Storage.StoreCommit"/>) notifies it, so it need not poll fast to be quick.
/// </summary>
internal sealed class WakeSignal : IDisposable
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        // At most one pending wake-up: many notifications between two waits collapse into one.
        if (_signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
            }
        }
    }

    public void Dispose() => _signal.Dispose();

    /// <summary>Waits for a notification or <paramref name="timeout"/> on <paramref name="time"/>, whichever comes first.</summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        using var timeoutSource = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        try
        {
            await _signal.WaitAsync(linked.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }
    }
}
