using System.Diagnostics;
using System.Threading.Channels;

namespace SmartApi.Storage;

/// <summary>
/// The callers' side of a provider's group commit: callers queue their units of work, and
/// <paramref name="loops"/> loops each take whatever has gathered (up to <paramref name="maxBatch"/>
/// units, cancelled ones dropped) and hand it to the provider's commit. A caller's task completes
/// when the provider completes or fails its unit.
/// </summary>
internal sealed class GroupCommitQueue(int maxBatch, int loops, Func<List<WriteUnit>, Task> commit) : IAsyncDisposable
{
    private readonly Channel<WriteUnit> _queue = Channel.CreateUnbounded<WriteUnit>(new UnboundedChannelOptions { SingleReader = loops == 1 });
    private Task[] _loops = [];

    /// <summary>Starts the loops (after the provider is ready to commit).</summary>
    public void Start() => _loops = Enumerable.Range(0, loops).Select(_ => Task.Run(RunAsync)).ToArray();

    public Task<T> EnqueueAsync<T>(Func<IStoreTransaction, ValueTask<T>> work, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }
        var unit = new WriteUnit<T>(work, cancellationToken, StorageTracing.StartWrite());
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
            while (batch.Count < maxBatch && reader.TryRead(out var unit))
            {
                if (!unit.IsCancelled)
                {
                    batch.Add(unit);
                }
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
