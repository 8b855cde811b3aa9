using System.Collections.Concurrent;

namespace SmartApi.Server.Webhooks.Delivery;

/// <summary>
/// The leases of this node's deliveries still waiting for their destination's lane. A slow or busy
/// destination can keep a delivery waiting longer than its lease; the lease would then lapse, the
/// delivery be claimed again (by this node or another) and be sent twice. The dispatcher renews the
/// leases of deliveries that have waited (<see cref="Expiring"/>, <see cref="Renewed"/>), and a
/// delivery whose lease another worker took in the meantime is dropped unsent when its turn comes.
/// </summary>
internal sealed class WaitingLeases
{
    private readonly ConcurrentDictionary<string, Lease> _waiting = new(StringComparer.Ordinal);

    /// <summary>One waiting delivery's lease as this node knows it.</summary>
    internal sealed class Lease(DateTimeOffset until)
    {
        private long _untilTicks = until.UtcTicks;
        private volatile bool _lost;

        public DateTimeOffset Until
        {
            get => new(Interlocked.Read(ref _untilTicks), TimeSpan.Zero);
            set => Interlocked.Exchange(ref _untilTicks, value.UtcTicks);
        }

        public bool Lost
        {
            get => _lost;
            set => _lost = value;
        }
    }

    /// <summary>Starts tracking a delivery held until <paramref name="leaseUntil"/> (or earlier: the renewal only comes sooner).</summary>
    public Lease Wait(string deliveryId, DateTimeOffset leaseUntil)
    {
        var lease = new Lease(leaseUntil);
        _waiting[deliveryId] = lease;
        return lease;
    }

    /// <summary>The delivery's turn has come (or it is given up): true when it is still this node's to send.</summary>
    public bool Leave(string deliveryId, Lease lease)
    {
        _waiting.TryRemove(KeyValuePair.Create(deliveryId, lease));
        return !lease.Lost;
    }

    /// <summary>The waiting deliveries whose lease ends before <paramref name="threshold"/>.</summary>
    public List<string> Expiring(DateTimeOffset threshold)
    {
        var ids = new List<string>();
        foreach (var (id, lease) in _waiting)
        {
            if (lease.Until < threshold)
            {
                ids.Add(id);
            }
        }
        return ids;
    }

    /// <summary>Records a renewal: the kept ones are held until <paramref name="until"/>, the others are lost (and dropped when their turn comes).</summary>
    public void Renewed(IReadOnlyList<string> asked, IReadOnlyList<string> kept, DateTimeOffset until)
    {
        var keptIds = kept.ToHashSet(StringComparer.Ordinal);
        foreach (var id in asked)
        {
            if (!_waiting.TryGetValue(id, out var lease))
            {
                continue; // its turn came meanwhile
            }
            if (keptIds.Contains(id))
            {
                lease.Until = until;
            }
            else
            {
                lease.Lost = true;
                _waiting.TryRemove(KeyValuePair.Create(id, lease));
            }
        }
    }
}
