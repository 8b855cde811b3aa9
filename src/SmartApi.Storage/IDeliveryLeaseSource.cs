namespace SmartApi.Storage;

/// <summary>
/// The hand-off of queued deliveries to this node's delivery engine, part of every store
/// (<see cref="ISmartApiStore"/>). A provider that takes the registration writes the deliveries it
/// queues already leased to the engine, in the transaction of their event, and gives them to
/// <c>dispatch</c> after the commit, so the engine needs no claim (an update of every delivery row
/// and a scan of the due ones) for them. A delivery of an ordered webhook is not leased (it may have
/// to wait for an earlier one) and goes through claims, as do retries. If the node dies, the lease
/// lapses and another node claims the delivery, as for a claimed one. A provider may also hand
/// nothing (SQLite: one writer, whose claims are cheap): every delivery is then claimed.
/// </summary>
public interface IDeliveryLeaseSource
{
    /// <summary>
    /// From now until the returned registration is disposed, queued deliveries the provider hands off
    /// are leased to <paramref name="owner"/> for <paramref name="lease"/> and passed to
    /// <paramref name="dispatch"/> (on the committing thread: it must not block).
    /// </summary>
    IDisposable LeaseQueuedDeliveries(string owner, TimeSpan lease, Action<IReadOnlyList<ClaimedDelivery>> dispatch);
}
