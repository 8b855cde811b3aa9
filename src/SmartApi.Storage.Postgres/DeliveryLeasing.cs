using SmartApi.Storage.Routing;

namespace SmartApi.Storage.Postgres;

/// <summary>
/// What the batches of one store share: the engine the deliveries they queue are handed to, if any
/// (<see cref="DeliveryHandOff"/>, the same as SQLite's), and the last committed subscription
/// snapshot they route with.
/// </summary>
internal sealed class DeliveryLeasing(DeliveryHandOff handOff)
{
    private SubscriptionSnapshot? _snapshot;

    /// <summary>The newest snapshot a batch loaded from committed rows, labelled with its routing version.</summary>
    public SubscriptionSnapshot? Snapshot
    {
        get => Volatile.Read(ref _snapshot);
        set => Volatile.Write(ref _snapshot, value);
    }

    public DeliveryHandOff HandOff => handOff;
}
