using System.Threading.Channels;
using Dapper;
using Microsoft.Data.Sqlite;

namespace SmartApi.Storage.Sqlite;

/// <summary>
/// The single writer of the SQLite database. SQLite allows one writer at a time, so instead of
/// letting callers queue on the file lock, callers queue here and the writer commits whatever has
/// gathered in one transaction (group commit), each unit inside its own savepoint so that one
/// failing unit rolls back alone. A caller's task completes only after its commit.
/// </summary>
internal sealed class SqliteWriter : IAsyncDisposable
{
    private readonly Channel<WorkItem> _queue = Channel.CreateUnbounded<WorkItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SqliteConnection _connection;
    private readonly int _maxBatch;
    private readonly Task _loop;

    private readonly IdGenerator _ids;
    private readonly Action _onDeliveriesQueued;

    public SqliteWriter(SqliteConnection connection, int maxBatch, IdGenerator ids, Action onDeliveriesQueued)
    {
        _connection = connection;
        _ids = ids;
        _onDeliveriesQueued = onDeliveriesQueued;
        _maxBatch = maxBatch;
        _loop = Task.Run(RunAsync);
    }

    public Task<T> EnqueueAsync<T>(Func<IStoreTransaction, ValueTask<T>> work, CancellationToken cancellationToken)
    {
        var item = new WorkItem<T>(work, cancellationToken);
        if (!_queue.Writer.TryWrite(item))
        {
            throw new ObjectDisposedException(nameof(SqliteWriter), "The store is shutting down.");
        }
        return item.Task;
    }

    private async Task RunAsync()
    {
        var batch = new List<WorkItem>(_maxBatch);
        var succeeded = new List<WorkItem>(_maxBatch);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync())
        {
            batch.Clear();
            succeeded.Clear();
            while (batch.Count < _maxBatch && reader.TryRead(out var item))
            {
                if (!item.IsCancelled)
                {
                    batch.Add(item);
                }
            }
            if (batch.Count == 0)
            {
                continue;
            }

            SqliteTransaction? transaction = null;
            try
            {
                transaction = _connection.BeginTransaction(deferred: false);
                var context = new SqliteStoreTransaction(_connection, transaction, _ids);
                var single = batch.Count == 1;
                foreach (var item in batch)
                {
                    if (await RunOneAsync(item, context, transaction, useSavepoint: !single))
                    {
                        succeeded.Add(item);
                    }
                }
                transaction.Commit();
                foreach (var item in succeeded)
                {
                    item.Complete();
                }
                if (context.QueuedDeliveries > 0)
                {
                    _onDeliveriesQueued();
                }
            }
            catch (Exception ex)
            {
                // The commit itself failed (disk full, I/O error): nothing of this batch is stored.
                foreach (var item in succeeded)
                {
                    item.Fail(ex);
                }
                foreach (var item in batch.Where(i => !i.IsDone))
                {
                    item.Fail(ex);
                }
            }
            finally
            {
                transaction?.Dispose();
            }
        }
    }

    private static async Task<bool> RunOneAsync(WorkItem item, SqliteStoreTransaction context, SqliteTransaction transaction, bool useSavepoint)
    {
        if (useSavepoint)
        {
            await transaction.Connection!.ExecuteAsync("SAVEPOINT unit", transaction: transaction);
        }
        try
        {
            await item.RunAsync(context);
            if (useSavepoint)
            {
                await transaction.Connection!.ExecuteAsync("RELEASE unit", transaction: transaction);
            }
            return true;
        }
        catch (Exception ex) when (useSavepoint)
        {
            await transaction.Connection!.ExecuteAsync("ROLLBACK TO unit; RELEASE unit", transaction: transaction);
            item.Fail(ex);
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
    }

    private abstract class WorkItem
    {
        public abstract bool IsCancelled { get; }
        public abstract bool IsDone { get; }
        public abstract Task RunAsync(IStoreTransaction transaction);
        public abstract void Complete();
        public abstract void Fail(Exception exception);
    }

    private sealed class WorkItem<T>(Func<IStoreTransaction, ValueTask<T>> work, CancellationToken cancellationToken) : WorkItem
    {
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T _result = default!;

        public Task<T> Task => _completion.Task;
        public override bool IsCancelled => cancellationToken.IsCancellationRequested && _completion.TrySetCanceled(cancellationToken);
        public override bool IsDone => _completion.Task.IsCompleted;
        public override async Task RunAsync(IStoreTransaction transaction) => _result = await work(transaction);
        public override void Complete() => _completion.TrySetResult(_result);
        public override void Fail(Exception exception) => _completion.TrySetException(exception);
    }
}
