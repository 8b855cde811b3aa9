using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using SmartApi.Server.Infrastructure;
using SmartApi.Server.Organizations;

namespace SmartApi.Server.Mqtt;

/// <summary>How many messages a device may publish: <see cref="PerSecond"/> on average, <see cref="Burst"/> at once.</summary>
internal readonly record struct MessageRateLimit(double PerSecond, int Burst);

/// <summary>
/// The message rate of the devices of one organization. It is asked once per connection (when the
/// device authenticates), never per message, so it may read storage or a cache.
/// </summary>
internal interface IMessageRateLimits
{
    ValueTask<MessageRateLimit> ForOrganizationAsync(string organizationId, CancellationToken cancellationToken);
}

/// <summary>
/// The organization's own <c>deviceMessagesPerSecond</c> (its <c>limits</c>), else
/// <c>SmartApi:Mqtt:MessageRate</c>. The burst keeps the configured ratio of
/// <c>SmartApi:Mqtt:MessageBurst</c> to the rate, so an organization allowed 10/s gets a burst of 20
/// with the defaults (200/s, 400).
/// </summary>
internal sealed class OrganizationMessageRateLimits(OrganizationLimits limits, IOptions<MqttOptions> options) : IMessageRateLimits
{
    public async ValueTask<MessageRateLimit> ForOrganizationAsync(string organizationId, CancellationToken cancellationToken)
    {
        var rate = (await limits.GetAsync(organizationId, cancellationToken)).DeviceMessagesPerSecond;
        var mqtt = options.Value;
        return new MessageRateLimit(rate, Math.Max(1, (int)Math.Ceiling(mqtt.MessageBurst * rate / mqtt.MessageRate)));
    }
}

/// <summary>
/// One token bucket per device, kept by device id so that reconnecting does not refill it. The
/// bucket (<see cref="TokenBucket"/>) is looked up once per connection and kept with the session.
/// Hand-rolled rather than
/// System.Threading.RateLimiting's <c>TokenBucketRateLimiter</c>: that one reads the system clock
/// (not the <see cref="TimeProvider"/>, so tests could not drive it), replenishes from a timer per
/// limiter (or a partitioned limiter's sweep of every device ten times a second), and allocates a
/// lease with its retry-after for every refusal, which is exactly the flood path.
/// </summary>
internal sealed class DeviceMessageRate(IMessageRateLimits limits, DevicePresence presence, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, TokenBucket> _buckets = new(StringComparer.Ordinal);
    private long _nextSweep;

    /// <summary>The device's bucket, with its organization's current rate.</summary>
    public async ValueTask<TokenBucket> BucketAsync(DeviceIdentity device, CancellationToken cancellationToken)
    {
        var limit = await limits.ForOrganizationAsync(device.OrganizationId, cancellationToken);
        var now = time.GetTimestamp();
        Sweep(now);
        var bucket = _buckets.GetOrAdd(device.DeviceId, static (_, state) => new TokenBucket(state.limit.PerSecond, state.limit.Burst, state.now), (limit, now));
        bucket.Set(limit.PerSecond, limit.Burst);
        return bucket;
    }

    /// <summary>Takes one message's token; false when the device is over its rate.</summary>
    public bool TryTake(TokenBucket bucket) => bucket.TryTake(time.GetTimestamp(), time.TimestampFrequency);

    /// <summary>Buckets tracked (for tests).</summary>
    internal int Count => _buckets.Count;

    /// <summary>
    /// At most once a minute, forgets the full buckets of devices that are not connected: a full
    /// bucket is what a new one would be, so nothing is lost, and the table stays as small as the
    /// devices that were busy lately.
    /// </summary>
    private void Sweep(long now)
    {
        var next = Volatile.Read(ref _nextSweep);
        if (now < next || Interlocked.CompareExchange(ref _nextSweep, now + 60 * time.TimestampFrequency, next) != next)
        {
            return;
        }
        foreach (var (deviceId, bucket) in _buckets)
        {
            if (bucket.IsFull(now, time.TimestampFrequency) && !presence.IsConnected(deviceId))
            {
                _buckets.TryRemove(deviceId, out _);
            }
        }
    }
}
