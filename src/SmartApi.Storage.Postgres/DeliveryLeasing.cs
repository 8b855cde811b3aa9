namespace SmartApi.Storage.Postgres;

/// <summary>Who the deliveries a batch queues are leased to, if anyone (<see cref="IDeliveryLeaseSource"/>).</summary>
internal sealed class DeliveryLeasing
{
    private Registration? _current;

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
