using System.Diagnostics;
using System.Threading.Channels;

namespace SmartApi.Storage;

/// <summary>
/// The callers' side of a provider's group commit: callers queue their units of work, and
/// <paramref name="loops"/> loops each take whatever has gathered (up to <paramref name="maxBatch"/>
/// units, cancelled ones dropped) and hand it to the provider's commit. A caller's task completes
/// when the provider completes or fails its unit.
/// A deferred unit (<see cref="ISmartApiStore.WriteDeferredAsync"/>) does not start a commit of its own at once: it
/// waits up to <paramref name="linger"/> (<see cref="DeferredLinger"/> unless a test sets it) for a prompt unit to share its commit with. At a light load, where every
/// commit holds one unit, that saves the commit a delivery's outcome would otherwise cost.
/// </summary>
internal sealed class GroupCommitQueue(int maxBatch, int loops, Func<List<WriteUnit>, Task> commit, TimeSpan? linger = null) : IAsyncDisposable
{
    /// <summary>
    /// How long deferred units wait for a prompt one. Wall-clock time, not the store's <see cref="TimeProvider"/>: a
    /// batching window like a socket's, which must pass under a test's frozen clock too.
    /// </summary>
    public static readonly TimeSpan DeferredLinger = TimeSpan.FromMilliseconds(10);

    private readonly TimeSpan _linger = linger ?? DeferredLinger;
    private readonly Channel<WriteUnit> _queue = Channel.CreateUnbounded<WriteUnit>(new UnboundedChannelOptions { SingleReader = loops == 1 });
    private Task[] _loops = [];

    /// <summary>Starts the loops (after the provider is ready to commit).</summary>
    public void Start() => _loops = Enumerable.Range(0, loops).Select(_ => Task.Run(RunAsync)).ToArray();

    public Task<T> EnqueueAsync<T>(Func<IStoreTransaction, ValueTask<T>> work, CancellationToken cancellationToken, bool deferred = false)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }
        var unit = new WriteUnit<T>(work, cancellationToken, StorageTracing.StartWrite()) { IsDeferred = deferred };
        if (!_queue.Writer.TryWrite(unit))
        {
            throw new ObjectDisposedException(nameof(GroupCommitQueue), "The store is shutting down.");
        }
        return unit.Task;
    }

    private async Task RunAsync()
    {
        var batch = new List<WriteUnit>(maxBatch);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync())
        {
            batch.Clear();
            var prompt = Take(reader, batch);
            if (!prompt && batch.Count is > 0 and var count && count < maxBatch)
            {
                prompt = await LingerAsync(reader, batch);
            }
            if (batch.Count > 0)
            {
                try
                {
                    await commit(batch);
                }
                catch (Exception ex)
                {
                    // The provider's commit should fail its units itself; if it throws instead, the
                    // loop must live on (or every later write would wait forever) and no caller of
                    // this batch may be left waiting or be told it succeeded.
                    foreach (var unit in batch.Where(u => !u.IsDone))
                    {
                        unit.Fail(ex);
                    }
                }
            }
        }
    }

    /// <summary>Moves what has gathered into <paramref name="batch"/>; true when a prompt unit is among it.</summary>
    private bool Take(ChannelReader<WriteUnit> reader, List<WriteUnit> batch)
    {
        var prompt = false;
        while (batch.Count < maxBatch && reader.TryRead(out var unit))
        {
            if (!unit.IsCancelled)
            {
                batch.Add(unit);
                prompt |= !unit.IsDeferred;
            }
        }
        return prompt;
    }

    /// <summary>
    /// With only deferred units in hand, waits until a prompt unit arrives, the batch is full or the linger has
    /// passed since they were taken, whichever comes first, taking what arrives meanwhile.
    /// </summary>
    private async Task<bool> LingerAsync(ChannelReader<WriteUnit> reader, List<WriteUnit> batch)
    {
        var started = Stopwatch.GetTimestamp();
        while (batch.Count < maxBatch)
        {
            var left = _linger - Stopwatch.GetElapsedTime(started);
            if (left <= TimeSpan.Zero)
            {
                return false;
            }
            var arrived = reader.WaitToReadAsync().AsTask();
            if (await Task.WhenAny(arrived, Task.Delay(left)) != arrived || !await arrived)
            {
                // The linger passed, or the queue was completed (shutting down): commit what is in hand.
                return false;
            }
            if (Take(reader, batch))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Takes no more units and waits for the queued ones to be committed.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_loops);
    }
}

/// <summary>One caller's unit of work in a <see cref="GroupCommitQueue"/>.</summary>
internal abstract class WriteUnit
{
    /// <summary>Whether the caller gave up before the unit ran (the caller's task is then cancelled).</summary>
    public abstract bool IsCancelled { get; }
    /// <summary>Whether the unit may wait for a prompt one to share its commit (<see cref="GroupCommitQueue.DeferredLinger"/>).</summary>
    public bool IsDeferred { get; init; }
    public abstract bool IsDone { get; }
    public abstract Task RunAsync(IStoreTransaction transaction);
    /// <summary>The unit's transaction committed: the caller gets the unit's result.</summary>
    public abstract void Complete();
    public abstract void Fail(Exception exception);
}

/// <param name="activity">The unit's <c>store.write</c> span (null when tracing is off): current while the work runs,
/// so the events it appends carry its context, and stopped when the unit completes or fails.</param>
internal sealed class WriteUnit<T>(Func<IStoreTransaction, ValueTask<T>> work, CancellationToken cancellationToken, Activity? activity = null) : WriteUnit
{
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private T _result = default!;

    public Task<T> Task => _completion.Task;
    public override bool IsCancelled => cancellationToken.IsCancellationRequested && Cancelled();
    public override bool IsDone => _completion.Task.IsCompleted;

    public override Task RunAsync(IStoreTransaction transaction) => activity is null ? RunUntracedAsync(transaction) : RunTracedAsync(transaction);

    public override void Complete()
    {
        _completion.TrySetResult(_result);
        activity?.Stop();
    }

    public override void Fail(Exception exception)
    {
        _completion.TrySetException(exception);
        if (activity is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error, exception.GetType().Name);
            activity.Stop();
        }
    }

    private bool Cancelled()
    {
        var cancelled = _completion.TrySetCanceled(cancellationToken);
        activity?.Stop();
        return cancelled;
    }

    private async Task RunUntracedAsync(IStoreTransaction transaction) => _result = await work(transaction);

    private async Task RunTracedAsync(IStoreTransaction transaction)
    {
        // Set inside this async method, so the writer's own context is untouched when it returns.
        Activity.Current = activity;
        _result = await work(transaction);
    }
}
