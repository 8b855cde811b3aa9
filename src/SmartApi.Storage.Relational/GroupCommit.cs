namespace SmartApi.Storage.Relational;

/// <summary>
/// How both group-commit writers end a batch. The writers differ in everything before (one SQLite
/// connection and its caches; PostgreSQL's pooled connections, retries and buffered appends), not
/// in what a committed or a failed batch tells its callers.
/// </summary>
internal static class GroupCommit
{
    /// <summary>
    /// Hands the batch's leased deliveries to the engine, publishes the commit, then completes its
    /// units: before the callers resume, since whoever wrote may count on the delivery or the wake-up.
    /// </summary>
    public static void Committed(StoreCommit commit, Action<StoreCommit> onCommit, List<WriteUnit> succeeded, HandedBatch handed)
    {
        handed.Dispatch();
        if (!commit.IsEmpty)
        {
            onCommit(commit);
        }
        foreach (var item in succeeded)
        {
            item.Complete();
        }
    }

    /// <summary>Nothing of the batch is known to be stored: every unit not yet done fails with the cause.</summary>
    public static void Failed(StorageFaults faults, List<WriteUnit> units, Exception exception)
    {
        faults.WriteFailed(exception);
        foreach (var item in units.Where(i => !i.IsDone))
        {
            item.Fail(exception);
        }
    }
}
