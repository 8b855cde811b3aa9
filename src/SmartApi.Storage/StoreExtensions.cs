namespace SmartApi.Storage;

public static class StoreExtensions
{
    /// <summary><see cref="ISmartApiStore.WriteAsync{T}"/> for a unit with no result.</summary>
    public static Task WriteAsync(this ISmartApiStore store, Func<IStoreTransaction, ValueTask> work, CancellationToken cancellationToken = default) =>
        store.WriteAsync(async tx =>
        {
            await work(tx);
            return true;
        }, cancellationToken);

    /// <summary>
    /// Appends an event in a unit of its own, after <paramref name="before"/> if given, and returns
    /// it as stored: read back once committed, when its position and sequence are known.
    /// </summary>
    public static async Task<StoredEvent> AppendEventAsync(this ISmartApiStore store, NewEvent newEvent,
        Func<IStoreTransaction, ValueTask>? before = null, CancellationToken cancellationToken = default)
    {
        await store.WriteAsync(async tx =>
        {
            if (before is not null)
            {
                await before(tx);
            }
            await tx.AppendEventAsync(newEvent);
        }, cancellationToken);
        return await store.GetEventAsync(newEvent.OrganizationId, newEvent.Id, cancellationToken)
            ?? throw new InvalidOperationException($"The committed event {newEvent.Id} is not readable.");
    }
}
