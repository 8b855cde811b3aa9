namespace SmartApi.Storage.Relational;

/// <summary>
/// The hand-off of queued deliveries to this node's delivery engine (<see cref="IDeliveryLeaseSource"/>),
/// the same on both databases. While an engine is registered, a writer batch writes each delivery of
/// an unordered webhook that an append queues already leased to it, collects the delivery as a claim
/// would return it (<see cref="HandedBatch"/>), and hands the batch over after its commit: the
/// engine needs no claim (an update and two reads) for it. Ordered deliveries, retries and the
/// deliveries an engine run queues still go through claims.
/// </summary>
internal sealed class DeliveryHandOff
{
    private Registration? _current;

    /// <summary>The engine a batch leases to, read once per batch; null when none is registered.</summary>
    public Registration? Current => Volatile.Read(ref _current);

    public IDisposable Register(string owner, TimeSpan lease, Action<IReadOnlyList<ClaimedDelivery>> dispatch, Func<bool> hasRoom)
    {
        var registration = new Registration(this, owner, lease, dispatch, hasRoom);
        Volatile.Write(ref _current, registration);
        return registration;
    }

    /// <summary>
    /// The delivery as a claim would return it once its row is written leased: pending, no attempt,
    /// due and created at its event's time (to the millisecond, as stored), with the event as stored.
    /// </summary>
    public static ClaimedDelivery Claimed(string deliveryId, Webhook webhook, NewEvent newEvent, long position, string data)
    {
        var at = Ms.ToTime(Ms.Of(newEvent.CreatedAt));
        var delivery = new Delivery(deliveryId, newEvent.OrganizationId, webhook.AutomationId, webhook.Id, newEvent.Id, newEvent.Type, newEvent.DeviceId,
            DeliveryStatus.Pending, 0, at, null, null, at, at);
        return new ClaimedDelivery(delivery, webhook, new StoredEvent(position, newEvent.Id, newEvent.OrganizationId, newEvent.Type, newEvent.DeviceId, at, data, TraceParent: newEvent.TraceParent));
    }

    internal sealed class Registration(DeliveryHandOff handOff, string owner, TimeSpan lease, Action<IReadOnlyList<ClaimedDelivery>> dispatch, Func<bool> hasRoom)
        : IDisposable
    {
        public string Owner => owner;
        public TimeSpan Lease => lease;
        /// <summary>Whether the engine takes more now; asked once per write batch.</summary>
        public bool HasRoom() => hasRoom();
        public void Dispatch(IReadOnlyList<ClaimedDelivery> deliveries) => dispatch(deliveries);

        public void Dispose() => Interlocked.CompareExchange(ref handOff._current, null, this);
    }
}

/// <summary>
/// The deliveries one writer batch hands to the engine it read at its start, in the order written.
/// A unit rolled back to its savepoint takes its own back (<see cref="RollBackTo"/>); a batch that
/// does not commit hands nothing, and its rows are gone with it.
/// </summary>
internal sealed class HandedBatch(DeliveryHandOff.Registration? registration, TimeProvider time)
{
    // Asked once, as the batch starts: an engine that is full gets none of this batch's deliveries, which a claim takes once it has room.
    private readonly bool _taking = registration?.HasRoom() == true;
    private List<ClaimedDelivery>? _deliveries;
    private long _leaseUntil;

    /// <summary>Who the batch leases to, or null: nothing is then leased and every delivery is claimed.</summary>
    public string? Owner => registration?.Owner;

    /// <summary>Whether a routed delivery is handed: an engine with room takes them and its webhook is unordered.</summary>
    public bool Takes(bool ordered) => _taking && !ordered;

    /// <summary>The lease of the batch's handed deliveries, in unix ms: from the first one written, for the engine's lease.</summary>
    public long LeaseUntil
    {
        get
        {
            if (_leaseUntil == 0)
            {
                _leaseUntil = Ms.Of(time.GetUtcNow() + registration!.Lease);
            }
            return _leaseUntil;
        }
    }

    public int Count => _deliveries?.Count ?? 0;

    public void Add(ClaimedDelivery delivery) => (_deliveries ??= []).Add(delivery);

    /// <summary>Forgets what was handed since <paramref name="count"/> was read: its unit rolled back.</summary>
    public void RollBackTo(int count) => _deliveries?.RemoveRange(count, _deliveries.Count - count);

    /// <summary>After the commit, before the callers resume: the engine holds them from now on.</summary>
    public void Dispatch()
    {
        if (_deliveries is { Count: > 0 } deliveries)
        {
            registration!.Dispatch(deliveries);
        }
    }
}
