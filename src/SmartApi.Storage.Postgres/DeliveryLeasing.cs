namespace SmartApi.Storage.Postgres;

/// <summary>
/// What the batches of one store share: who the deliveries they queue are leased to, if anyone
/// (<see cref="IDeliveryLeaseSource"/>), and the last committed subscription snapshot they route with.
/// </summary>
internal sealed class DeliveryLeasing
{
    private Registration? _current;
    private SmartApi.Storage.Routing.SubscriptionSnapshot? _snapshot;

    /// <summary>The newest snapshot a batch loaded from committed rows, labelled with its routing version.</summary>
    public SmartApi.Storage.Routing.SubscriptionSnapshot? Snapshot
    {
        get => Volatile.Read(ref _snapshot);
        set => Volatile.Write(ref _snapshot, value);
    }

    /// <summary>The registration batches read when they write their appends; null when no engine takes them.</summary>
    public Registration? Current => Volatile.Read(ref _current);

    public IDisposable Register(string owner, TimeSpan lease, Action<IReadOnlyList<ClaimedDelivery>> dispatch)
    {
        var registration = new Registration(this, owner, lease, dispatch);
        Volatile.Write(ref _current, registration);
        return registration;
    }

    internal sealed class Registration(DeliveryLeasing leasing, string owner, TimeSpan lease, Action<IReadOnlyList<ClaimedDelivery>> dispatch) : IDisposable
    {
        public string Owner => owner;
        public TimeSpan Lease => lease;
        public void Dispatch(IReadOnlyList<ClaimedDelivery> deliveries) => dispatch(deliveries);

        public void Dispose() => Interlocked.CompareExchange(ref leasing._current, null, this);
    }
}
