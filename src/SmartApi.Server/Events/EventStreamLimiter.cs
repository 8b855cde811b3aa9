using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace SmartApi.Server.Events;

/// <summary>Counts the live streams of each organization on this node and refuses those over the limit.</summary>
internal sealed class EventStreamLimiter(IOptions<EventOptions> options)
{
    private readonly ConcurrentDictionary<string, int> _open = new(StringComparer.Ordinal);
    private readonly int _limit = options.Value.MaxStreamsPerOrganization;

    public int Limit => _limit;

    public int OpenStreams(string organizationId) => _open.GetValueOrDefault(organizationId);

    /// <summary>Takes a slot for the organization; dispose the lease when the stream ends. Null when full.</summary>
    public Lease? TryAcquire(string organizationId)
    {
        while (true)
        {
            var current = _open.GetValueOrDefault(organizationId);
            if (current >= _limit)
            {
                return null;
            }
            if (current == 0 ? _open.TryAdd(organizationId, 1) : _open.TryUpdate(organizationId, current + 1, current))
            {
                return new Lease(this, organizationId);
            }
        }
    }

    private void Release(string organizationId)
    {
        while (true)
        {
            var current = _open[organizationId];
            // The last stream removes the entry, so organizations that stopped streaming cost nothing.
            if (current == 1
                ? _open.TryRemove(new KeyValuePair<string, int>(organizationId, 1))
                : _open.TryUpdate(organizationId, current - 1, current))
            {
                return;
            }
        }
    }

    internal sealed class Lease(EventStreamLimiter owner, string organizationId) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner.Release(organizationId);
            }
        }
    }
}
