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
    // Swept at most once a minute: the full buckets of devices that are not connected go.
    private readonly TokenBucketTable<string> _buckets = new(TimeSpan.FromMinutes(1), time, presence.IsConnected, StringComparer.Ordinal);

    /// <summary>The device's bucket, with its organization's current rate.</summary>
    public async ValueTask<TokenBucket> BucketAsync(DeviceIdentity device, CancellationToken cancellationToken)
    {
        var limit = await limits.ForOrganizationAsync(device.OrganizationId, cancellationToken);
        var bucket = _buckets.Get(device.DeviceId, limit.PerSecond, limit.Burst, time.GetTimestamp());
        bucket.Set(limit.PerSecond, limit.Burst);
        return bucket;
    }

    /// <summary>Takes one message's token; false when the device is over its rate.</summary>
    public bool TryTake(TokenBucket bucket) => bucket.TryTake(time.GetTimestamp(), time.TimestampFrequency);
}
