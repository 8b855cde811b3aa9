using System.Collections.Concurrent;
using SmartApi.Storage;

namespace SmartApi.Server.Webhooks.Delivery;

/// <summary>
/// Each webhook's rate limit on this node, as a generic cell rate algorithm (a token bucket kept as
/// one time: when the bucket would next be full). A delivery reserves the next slot; one whose slot
/// is too far off reserves nothing and is postponed in the outbox instead (ADR 041).
/// </summary>
internal sealed class RateLimiter
{
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);

    private sealed class Bucket
    {
        public DateTimeOffset TheoreticalArrival;
    }

    /// <summary>
    /// When the delivery may go: <c>now</c> or up to <paramref name="maxWait"/> later (the slot is then
    /// reserved), or later than that (nothing reserved: postpone it to about that time).
    /// </summary>
    public DateTimeOffset Reserve(string webhookId, double perSecond, int burst, DateTimeOffset now, TimeSpan maxWait)
    {
        var interval = TimeSpan.FromSeconds(1 / perSecond);
        var tolerance = interval * (burst - 1);
        var bucket = _buckets.GetOrAdd(webhookId, static (_, start) => new Bucket { TheoreticalArrival = start }, now);
        lock (bucket)
        {
            var arrival = bucket.TheoreticalArrival > now ? bucket.TheoreticalArrival : now;
            var allowedAt = arrival - tolerance;
            if (allowedAt <= now + maxWait)
            {
                bucket.TheoreticalArrival = arrival + interval;
                return allowedAt > now ? allowedAt : now;
            }
            return allowedAt;
        }
    }

    /// <summary>This node's share of a webhook's limit: the rate and burst divided by the nodes (at least 1 in the burst).</summary>
    public static (double PerSecond, int Burst)? Share(WebhookLimits limits, int nodes) =>
        limits.RatePerSecond is { } rate
            ? (rate / nodes, Math.Max(1, (limits.RateBurst ?? (int)Math.Ceiling(rate)) / nodes))
            : null;
}
