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
    private readonly GroupCommitQueue _queue;
    private readonly SqliteConnection _connection;

    private readonly IdGenerator _ids;
    private readonly Action<StoreCommit> _onCommit;
    private readonly CommandCache _commands;
    private readonly SubscriptionIndex _subscriptions = new();
    private readonly DeviceCache _devices = new();
    private readonly WebhookCache _webhooks = new();
    private readonly MeasurementInbox _inbox;
    private readonly DeliveryHandOff _handOff;
    private readonly TimeProvider _time;
    private readonly StorageFaults _faults;
    private long _dataVersion = -1;
    private int _checkpointRequested;
    private int _rewinds;
    private long _commits;

    public SqliteWriter(SqliteConnection connection, int maxBatch, IdGenerator ids, DeliveryHandOff handOff, TimeProvider time, Action<StoreCommit> onCommit,
        StorageFaults faults, MeasurementInbox inbox)
    {
        _faults = faults;
        _inbox = inbox;
        _handOff = handOff;
        _time = time;
        _connection = connection;
        _ids = ids;
        _onCommit = onCommit;
        _commands = new CommandCache(connection);
        RowChangeHook.Attach(connection, _devices, _webhooks);
        _queue = new GroupCommitQueue(maxBatch, loops: 1, CommitAsync);
        _queue.Start();
    }

    public Task<T> EnqueueAsync<T>(Func<IStoreTransaction, ValueTask<T>> work, CancellationToken cancellationToken, bool deferred = false) =>
        _queue.EnqueueAsync(work, cancellationToken, deferred);

    /// <summary>Write transactions run so far (committed or not): the <see cref="Checkpointer"/> rests while it stays.</summary>
    public long Commits => Volatile.Read(ref _commits);

    /// <summary>How often a checkpoint between commits copied the whole log back, so the next commit rewound it.</summary>
    public int Rewinds => Volatile.Read(ref _rewinds);

    /// <summary>
    /// Asks for a checkpoint between two commits (see <see cref="Checkpointer"/>): run by the
    /// writer, it copies back the frames the last pass beside it missed, and none can be added
    /// meanwhile, so the log is then wholly copied and the next commit starts it over.
    /// </summary>
    public void RequestCheckpoint() => Volatile.Write(ref _checkpointRequested, 1);

    private async Task CommitAsync(List<WriteUnit> batch)
    {
        // Optimistic: the whole batch in one transaction without savepoints. Units rarely fail;
        // when one does, the batch is rolled back and run again with a savepoint per unit so
        // that only the failing unit is lost.
        if (batch.Count == 1 || !await TryCommitAsync(batch, isolateUnits: false))
        {
            await TryCommitAsync(batch, isolateUnits: true);
        }
        Interlocked.Increment(ref _commits);
        if (Interlocked.Exchange(ref _checkpointRequested, 0) == 1)
        {
            await CheckpointAsync();
        }
    }

    private async Task CheckpointAsync()
    {
        try
        {
            // PASSIVE: a reader still on old frames is not waited for; the next request tries again.
            await using var reader = await _commands.Get(Sql.PassiveCheckpoint, null).ExecuteReaderAsync();
            if (await reader.ReadAsync() && reader.GetInt64(0) == 0 && reader.GetInt64(1) == reader.GetInt64(2))
            {
                Interlocked.Increment(ref _rewinds);
            }
        }
        catch (SqliteException)
        {
            // Locked by another connection's checkpoint: it copies the frames instead.
        }
    }

    /// <summary>
    /// Runs and commits the batch. Without <paramref name="isolateUnits"/> a failing unit aborts the
    /// attempt (false, nothing completed, nothing stored); with it a failing unit fails alone.
    /// </summary>
    private async Task<bool> TryCommitAsync(List<WriteUnit> batch, bool isolateUnits)
    {
        var succeeded = new List<WriteUnit>(batch.Count);
        SqliteTransaction? transaction = null;
        SqliteStoreTransaction? context = null;
        var committed = false;
        // While writes fail, an empty commit (a claim that found nothing) says nothing about the
        // disk: only a commit that changed rows ends the failure. Two statements per batch, then only.
        var failing = _faults.WritesFailing;
        try
        {
            transaction = _connection.BeginTransaction(deferred: false);
            var changesBefore = failing ? await TotalChangesAsync(transaction) : 0;
            await DropCachesIfChangedElsewhereAsync(transaction);
            // The engine is read once: a batch leases to one owner.
            context = new SqliteStoreTransaction(_commands, transaction, _ids, _subscriptions, _devices, _webhooks, _inbox, new HandedBatch(_handOff.Current, _time));
            var savepoints = isolateUnits && batch.Count > 1;
            foreach (var item in batch)
            {
                if (!savepoints)
                {
                    context.BeginUnit();
                    await item.RunAsync(context);
                    succeeded.Add(item);
                }
                else if (await RunIsolatedAsync(item, context, transaction))
                {
                    succeeded.Add(item);
                }
            }
            transaction.Commit();
            committed = true;
            if (!failing || await TotalChangesAsync(null) > changesBefore)
            {
                _faults.WriteCommitted();
            }
            GroupCommit.Committed(new StoreCommit(context.AppendedEvents, context.QueuedDeliveries, context.QueuedRuns, context.InsertedCommands), _onCommit, succeeded,
                context.Handed);
            return true;
        }
        catch (Exception ex) when (!isolateUnits && !_faults.IsUnavailable(ex))
        {
            return false;
        }
        catch (Exception ex)
        {
            // The commit itself failed (disk full, I/O error), or the one unit of a single-unit
            // batch threw: nothing of this batch is stored. A storage fault fails the whole batch at
            // once: run again unit by unit it would only fail as many times.
            GroupCommit.Failed(_faults, batch, ex);
            return true;
        }
        finally
        {
            DisposeQuietly(transaction);
            if (!committed)
            {
                // Rolled back: the caches may hold rows that are no longer there.
                _devices.Clear();
                _webhooks.Clear();
                _subscriptions.Invalidate();
            }
            else if (context?.SubscriptionsChanged == true)
            {
                // The set may have been loaded mid-change, before a later unit changed it again.
                _subscriptions.Invalidate();
            }
        }
    }

    private async Task<long> TotalChangesAsync(SqliteTransaction? transaction) =>
        (long)(await _commands.Get("SELECT total_changes()", transaction).ExecuteScalarAsync())!;

    private static void DisposeQuietly(SqliteTransaction? transaction)
    {
        try
        {
            transaction?.Dispose();
        }
        catch (SqliteException)
        {
            // The rollback of a transaction SQLite already rolled back itself (after SQLITE_FULL or
            // an I/O error): nothing is left to undo, and the writer must go on.
        }
    }

    /// <summary>
    /// The caches are exact only while this connection is the only writer. Another one (a second
    /// store on the file, a migration, a manual fix) changes <c>data_version</c>: drop them then.
    /// </summary>
    private async Task DropCachesIfChangedElsewhereAsync(SqliteTransaction transaction)
    {
        var version = (long)(await _commands.Get("PRAGMA data_version", transaction).ExecuteScalarAsync())!;
        if (version != _dataVersion)
        {
            _dataVersion = version;
            _devices.Clear();
            _webhooks.Clear();
            _subscriptions.Invalidate();
        }
    }

    private async Task<bool> RunIsolatedAsync(WriteUnit item, SqliteStoreTransaction context, SqliteTransaction transaction)
    {
        await _commands.Get("SAVEPOINT unit", transaction).ExecuteNonQueryAsync();
        var queued = context.QueuedDeliveries;
        var runs = context.QueuedRuns;
        var handed = context.Handed.Count;
        try
        {
            context.BeginUnit();
            await item.RunAsync(context);
            await _commands.Get("RELEASE unit", transaction).ExecuteNonQueryAsync();
            return true;
        }
        catch (Exception ex) when (!_faults.IsUnavailable(ex))
        {
            // (A storage fault is not the unit's: it fails the whole batch, and SQLite may have
            // rolled the transaction back already, savepoint and all.)
            await _commands.Get("ROLLBACK TO unit", transaction).ExecuteNonQueryAsync();
            await _commands.Get("RELEASE unit", transaction).ExecuteNonQueryAsync();
            // The unit may have changed devices, webhooks or subscriptions since they were cached; rare, so always.
            _devices.Clear();
            _webhooks.Clear();
            _subscriptions.Invalidate();
            context.RollBackQueuedDeliveries(queued);
            context.Handed.RollBackTo(handed);
            context.RollBackQueuedRuns(runs);
            item.Fail(ex);
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _queue.DisposeAsync();
        _commands.Dispose();
    }
}

