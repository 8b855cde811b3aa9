namespace SmartApi.Storage;

/// <summary>
/// The hand-off of queued deliveries to this node's delivery engine, part of every store
/// (<see cref="ISmartApiStore"/>), the same on SQLite and PostgreSQL. While an engine is
/// registered, the deliveries an append queues for unordered webhooks are written already leased to
/// it, in the transaction of their event, and given to <c>dispatch</c> after the commit, so the
/// engine needs no claim (an update of every delivery row and a scan of the due ones) for them. A
/// delivery of an ordered webhook is not leased (it may have to wait for an earlier one) and goes
/// through claims, as do retries and the deliveries an engine run queues. If the process dies, the
/// lease lapses and a claim takes the delivery (SQLite, one node, releases such leases at start-up).
/// </summary>
public interface IDeliveryLeaseSource
{
    /// <summary>
    /// From now until the returned registration is disposed, queued deliveries the provider hands off
    /// are leased to <paramref name="owner"/> for <paramref name="lease"/> and passed to
    /// <paramref name="dispatch"/> (on the committing thread: it must not block). A write batch that
    /// starts while <paramref name="hasRoom"/> answers false hands nothing: its deliveries wait in the
    /// outbox for a claim, so an engine that falls behind holds a bounded number in memory.
    /// </summary>
    IDisposable LeaseQueuedDeliveries(string owner, TimeSpan lease, Action<IReadOnlyList<ClaimedDelivery>> dispatch, Func<bool>? hasRoom = null);
}
