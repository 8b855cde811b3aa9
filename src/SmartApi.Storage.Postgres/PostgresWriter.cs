using Npgsql;

namespace SmartApi.Storage.Postgres;

/// <summary>
/// Group commit for PostgreSQL write units. Event positions come from one row locked until the
/// appending transaction commits (the gap-free cursor), so appends are serialized cluster-wide from
/// their write to their commit fsync. Paying that lock and that fsync once per unit caps a
/// cluster at a few hundred appends per second; here callers queue their units and a writer runs
/// whatever has gathered in one transaction, writing the batch's appends together
/// (<see cref="BatchConnection"/>), optimistically without savepoints, and again with a savepoint
/// per unit if one fails so that it fails alone. A caller's task completes only after the commit.
/// </summary>
internal sealed class PostgresWriter : IAsyncDisposable
{
    /// <summary>Attempts of a batch that loses a deadlock or a serialization failure.</summary>
    private const int MaxAttempts = 5;

    private readonly GroupCommitQueue _queue;
    private readonly NpgsqlDataSource _dataSource;
    private readonly IdGenerator _ids;
    private readonly DeliveryLeasing _leasing;
    private readonly TimeProvider _time;
    private readonly Action<StoreCommit> _onCommit;
    private readonly StorageFaults _faults;

    public PostgresWriter(NpgsqlDataSource dataSource, int writers, int maxBatch, IdGenerator ids, DeliveryLeasing leasing, TimeProvider time,
        Action<StoreCommit> onCommit, StorageFaults faults)
    {
        _faults = faults;
        _leasing = leasing;
        _time = time;
        _dataSource = dataSource;
        _ids = ids;
        _onCommit = onCommit;
        // Several writers overlap one batch's statements with another's commit; appending batches
        // still queue on the position row.
        _queue = new GroupCommitQueue(maxBatch, writers, CommitAsync);
        _queue.Start();
    }

    public Task<T> EnqueueAsync<T>(Func<IStoreTransaction, ValueTask<T>> work, CancellationToken cancellationToken, bool deferred = false) =>
        _queue.EnqueueAsync(work, cancellationToken, deferred);

    private async Task CommitAsync(List<WriteUnit> batch)
    {
        var isolateUnits = false;
        var attempt = 1;
        var progress = new Progress();
        while (true)
        {
            progress.Committing = false;
            // A unit that failed alone in an earlier attempt keeps its failure.
            var pending = batch.Where(i => !i.IsDone).ToList();
            if (pending.Count == 0)
            {
                return;
            }
            try
            {
                if (await TryCommitAsync(pending, isolateUnits, progress))
                {
                    return;
                }
                // A unit threw: run the batch again with a savepoint per unit.
                isolateUnits = true;
            }
            catch (PostgresException ex) when (IsRetryable(ex) && attempt < MaxAttempts)
            {
                // The batch locked rows in an order opposite to another transaction's and was chosen
                // to fail; every lock it took is gone with it. Units are re-runnable (they compute
                // from what they read), so the whole batch runs again in a new transaction.
                attempt++;
            }
            catch (Exception ex) when (IsConnectionLost(ex))
            {
                // The server went away (restart, failover, network): every idle pooled connection
                // is as dead as this one, and each would fail one more batch after the server is
                // back. Dropped now, the pool opens new ones.
                _dataSource.Clear();
                if (!progress.Committing && attempt < MaxAttempts)
                {
                    // Lost before COMMIT was sent: nothing of the batch is stored, so it runs again
                    // on a new connection (a stale pooled one fails here once after a restart). While
                    // the server is down, opening fails at once and the attempts run out in milliseconds.
                    attempt++;
                    continue;
                }
                GroupCommit.Failed(_faults, pending, ex);
                return;
            }
            catch (Exception ex)
            {
                // Begin or commit failed (connection lost, server shutting down), a single unit threw,
                // or the retries ran out: nothing of this batch is known to be stored. A lost commit
                // is not run again, it might have committed.
                GroupCommit.Failed(_faults, pending, ex);
                return;
            }
        }
    }

    /// <summary>How far an attempt got: once COMMIT is sent, a lost connection leaves its outcome unknown.</summary>
    private sealed class Progress
    {
        public bool Committing;
    }

    /// <summary>
    /// The connection failed, not a statement: connection exceptions (08), the server shutting down
    /// (57P01, 57P02, 57P03), or no answer at all (refused, reset or cut). Not a timeout: a statement
    /// that ran out of time would only run out of time again.
    /// </summary>
    internal static bool IsConnectionLost(Exception ex) => ex switch
    {
        PostgresException p => p.SqlState.StartsWith("08", StringComparison.Ordinal) || p.SqlState.StartsWith("57P0", StringComparison.Ordinal),
        NpgsqlException { InnerException: IOException or System.Net.Sockets.SocketException } => true,
        _ => false,
    };

    /// <summary>
    /// Runs and commits the units. Without <paramref name="isolateUnits"/> a throwing unit of several
    /// rolls the transaction back and returns false; with it a throwing unit fails alone. A deadlock
    /// or serialization failure always propagates: locks taken before the unit's savepoint may be
    /// part of the cycle, so only a new transaction gets out of it. So does a lost connection.
    /// </summary>
    private async Task<bool> TryCommitAsync(List<WriteUnit> units, bool isolateUnits, Progress progress)
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var batch = new BatchConnection(connection, transaction, _ids, _leasing, _time);
        var succeeded = new List<WriteUnit>(units.Count);
        var savepoints = isolateUnits && units.Count > 1;
        foreach (var item in units)
        {
            // A context per unit: its own reserved device sequences.
            var context = new PostgresStoreTransaction(batch, _ids);
            if (!savepoints)
            {
                try
                {
                    await item.RunAsync(context);
                }
                catch (Exception ex) when (units.Count > 1 && IsUnitFailure(ex))
                {
                    return false;
                }
            }
            else
            {
                await transaction.SaveAsync("unit");
                var handed = batch.Handed.Count;
                try
                {
                    await item.RunAsync(context);
                    // The unit's appends are written inside its savepoint, so that they fail with it.
                    await batch.FlushAsync();
                    await transaction.ReleaseAsync("unit");
                }
                catch (Exception ex) when (IsUnitFailure(ex))
                {
                    // (A storage fault is not the unit's: it fails the whole batch.)
                    batch.DiscardAppends();
                    // Its deliveries flushed before it failed are gone with it: never hand them.
                    batch.Handed.RollBackTo(handed);
                    await transaction.RollbackAsync("unit");
                    item.Fail(ex);
                    continue;
                }
            }
            succeeded.Add(item);
        }
        try
        {
            await batch.FlushAsync();
        }
        catch (Exception ex) when (units.Count > 1 && IsUnitFailure(ex))
        {
            // One unit's append failed (say, a foreign key): find it with a savepoint per unit.
            return false;
        }
        progress.Committing = true;
        await transaction.CommitAsync();
        _faults.WriteCommitted();
        GroupCommit.Committed(new StoreCommit(batch.AppendedEvents, batch.QueuedDeliveries, batch.QueuedRuns, batch.InsertedCommands), _onCommit, succeeded,
            batch.Handed);
        return true;
    }

    /// <summary>A unit's own failure, which savepoints isolate; not one that only a new transaction or connection gets out of.</summary>
    private bool IsUnitFailure(Exception ex) => !(ex is PostgresException p && IsRetryable(p)) && !IsConnectionLost(ex) && !_faults.IsUnavailable(ex);

    private static bool IsRetryable(PostgresException ex) =>
        ex.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure;

    public async ValueTask DisposeAsync()
    {
        await _queue.DisposeAsync();
    }
}
