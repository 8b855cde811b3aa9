using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;

namespace SmartApi.Storage;

/// <summary>
/// The callers' side of a provider's group commit: callers queue their units of work, and the
/// loops each take whatever has gathered (up to a batch of units, cancelled ones dropped) and hand it
/// to the provider's commit. A caller's task completes when the provider completes or fails its unit.
/// A deferred unit (<see cref="ISmartApiStore.WriteDeferredAsync"/>) does not start a commit of its own: it waits beside
/// the queue until a prompt unit starts one, a batch of deferred units has gathered, or the linger
/// (<see cref="DeferredLinger"/> unless a test sets it) has passed since the first of them came. At a light load, where every commit holds one unit, that saves the commit a delivery's outcome would otherwise
/// cost; and a deferred unit wakes nothing when it comes, so it costs no thread wake-up of its own either.
/// </summary>
internal sealed class GroupCommitQueue : IAsyncDisposable
{
    /// <summary>
    /// How long deferred units wait for a prompt one. Wall-clock time, not the store's <see cref="TimeProvider"/>: a
    /// batching window like a socket's, which must pass under a test's frozen clock too.
    /// </summary>
    public static readonly TimeSpan DeferredLinger = TimeSpan.FromMilliseconds(10);

    private readonly int _maxBatch;
    private readonly int _loops;
    private readonly Func<List<WriteUnit>, Task> _commit;
    private readonly TimeSpan _linger;
    // Prompt units, and a null when deferred units should be committed without waiting for one.
    private readonly Channel<WriteUnit?> _queue;
    private readonly ConcurrentQueue<WriteUnit> _deferred = new();
    // One timer for all deferred units, armed by the first that finds it idle: the linger costs one timer per window,
    // not one per unit, and a window that a prompt unit ended early fires into an empty queue.
    private readonly Timer _lingerTimer;
    private int _deferredCount;
    private int _lingering;
    // Set under the lock on _deferred: a unit deferred after it would find no loop left to commit it.
    private bool _closed;
    private Task[] _loopTasks = [];

    /// <param name="maxBatch">The most units one commit takes.</param>
    /// <param name="loops">How many commits may run at once.</param>
    /// <param name="commit">The provider's commit of a batch.</param>
    /// <param name="linger">How long deferred units wait for a prompt one; <see cref="DeferredLinger"/> when null.</param>
    public GroupCommitQueue(int maxBatch, int loops, Func<List<WriteUnit>, Task> commit, TimeSpan? linger = null)
    {
        _maxBatch = maxBatch;
        _loops = loops;
        _commit = commit;
        _linger = linger ?? DeferredLinger;
        _queue = Channel.CreateUnbounded<WriteUnit?>(new UnboundedChannelOptions { SingleReader = loops == 1 });
        _lingerTimer = new Timer(static state => ((GroupCommitQueue)state!).LingerPassed(), this, Timeout.Infinite, Timeout.Infinite);
    }

    /// <summary>Starts the loops (after the provider is ready to commit).</summary>
    public void Start() => _loopTasks = Enumerable.Range(0, _loops).Select(_ => Task.Run(RunAsync)).ToArray();

    public Task<T> EnqueueAsync<T>(Func<IStoreTransaction, ValueTask<T>> work, CancellationToken cancellationToken, bool deferred = false)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }
        var unit = new WriteUnit<T>(work, cancellationToken, StorageTracing.StartWrite());
        if (deferred ? !Defer(unit) : !_queue.Writer.TryWrite(unit))
        {
            throw new ObjectDisposedException(nameof(GroupCommitQueue), "The store is shutting down.");
        }
        return unit.Task;
    }

    /// <summary>Puts the unit beside the queue; it starts a commit only when the batch it would fill is full.</summary>
    private bool Defer(WriteUnit unit)
    {
        lock (_deferred)
        {
            if (_closed)
            {
                return false;
            }
            _deferred.Enqueue(unit);
        }
        if (Interlocked.Increment(ref _deferredCount) >= _maxBatch)
        {
            _queue.Writer.TryWrite(null);
        }
        else if (Interlocked.Exchange(ref _lingering, 1) == 0)
        {
            _lingerTimer.Change(_linger, Timeout.InfiniteTimeSpan);
        }
        return true;
    }

    private void LingerPassed()
    {
        // A full fence before the look: a unit deferred while the timer was still armed is seen here, or it armed it again.
        Interlocked.Exchange(ref _lingering, 0);
        if (!_deferred.IsEmpty)
        {
            _queue.Writer.TryWrite(null);
        }
    }

    private async Task RunAsync()
    {
        var batch = new List<WriteUnit>(_maxBatch);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync())
        {
            batch.Clear();
            // The deferred units first: they have waited longest.
            TakeDeferred(batch);
            while (batch.Count < _maxBatch && reader.TryRead(out var unit))
            {
                if (unit is { IsCancelled: false })
                {
                    batch.Add(unit);
                }
            }
            await CommitAsync(batch);
        }
        // Shutting down: what was deferred is committed, not dropped.
        do
        {
            batch.Clear();
            TakeDeferred(batch);
            await CommitAsync(batch);
        }
        while (batch.Count > 0);
    }

    private void TakeDeferred(List<WriteUnit> batch)
    {
        while (batch.Count < _maxBatch && _deferred.TryDequeue(out var unit))
        {
            Interlocked.Decrement(ref _deferredCount);
            if (!unit.IsCancelled)
            {
                batch.Add(unit);
            }
        }
    }

    private async Task CommitAsync(List<WriteUnit> batch)
    {
        if (batch.Count == 0)
        {
            return;
        }
        try
        {
            await _commit(batch);
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

    /// <summary>Takes no more units and waits for the queued and deferred ones to be committed.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_deferred)
        {
            _closed = true;
        }
        _queue.Writer.TryComplete();
        await Task.WhenAll(_loopTasks);
        await _lingerTimer.DisposeAsync();
    }
}

/// <summary>One caller's unit of work in a <see cref="GroupCommitQueue"/>.</summary>
internal abstract class WriteUnit
{
    /// <summary>Whether the caller gave up before the unit ran (the caller's task is then cancelled).</summary>
    public abstract bool IsCancelled { get; }
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
