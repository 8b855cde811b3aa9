namespace SmartApi.Storage.Sqlite;

/// <summary>
/// Where the writer appends telemetry samples, and when they must be folded into <c>measurements</c>
/// (ADR 053). An insert into <c>measurements</c>, keyed by (device, time), rewrites a page per device
/// per commit: with 1,000 devices sending, 9.5 KB of WAL and checkpoint per 80-byte sample. The
/// inbox is appended in arrival order, a page per ~40 samples, and a fold moves it over sorted by
/// device, so each device's page is written once per fold instead of once per commit. A batch's
/// energy slot changes wait beside it (<c>energy_slot_inbox</c>) for the same reason and are folded
/// with it: the slots they add to and the hours recomputed from those (ADR 033).
/// </summary>
/// <remarks>
/// Nothing reads the inboxes: a read of measurements or rollups first makes sure everything appended before it
/// is folded (<see cref="IsFolded"/>, then a fold unit through the writer), and a write that reads or
/// deletes them (device deletion, erasure, retention, the energy report) folds in its own transaction. A fold
/// is also due once the inbox holds its threshold of samples (<see cref="DefaultFoldAt"/>), so it stays small: a fold holds the
/// single writer for as long as it takes (`bench fold`: 92 ms for 32,768 samples of 1,000 devices). What a crash left
/// is folded when the store opens.
/// <para>
/// Only the writer appends and folds. <see cref="Appended"/> counts the units that appended
/// (committed or not), and a fold unit returns that count as it saw it; once that unit has committed,
/// every sample acknowledged before the count was read is in <c>measurements</c>. The count of
/// samples waiting is the writer's own estimate, for the threshold only: a rolled-back unit
/// makes it wrong until the next fold, which only moves that fold.
/// </para>
/// </remarks>
internal sealed class MeasurementInbox(int foldAt = MeasurementInbox.DefaultFoldAt)
{
    /// <summary>Samples the inbox holds before a telemetry batch folds it.</summary>
    public const int DefaultFoldAt = 32_768;

    private long _appended;
    private long _folded;
    private int _waiting;

    /// <summary>Whether every append counted so far is in a committed fold (any thread).</summary>
    public bool IsFolded
    {
        get
        {
            // Appended first: a fold published after this read covers at least this much.
            var appended = Volatile.Read(ref _appended);
            return Volatile.Read(ref _folded) >= appended;
        }
    }

    /// <summary>The writer appended <paramref name="samples"/>; true when the inbox is due to be folded.</summary>
    public bool Appended(int samples)
    {
        Interlocked.Increment(ref _appended);
        _waiting += samples;
        return _waiting >= foldAt;
    }

    /// <summary>The writer is folding: returns the append count the fold covers once committed.</summary>
    public long Folding()
    {
        _waiting = 0;
        return Volatile.Read(ref _appended);
    }

    /// <summary>A fold that covered <paramref name="appended"/> committed (any thread).</summary>
    public void Folded(long appended)
    {
        var folded = Volatile.Read(ref _folded);
        while (appended > folded)
        {
            var seen = Interlocked.CompareExchange(ref _folded, appended, folded);
            if (seen == folded)
            {
                return;
            }
            folded = seen;
        }
    }
}
