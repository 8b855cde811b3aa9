using SmartApi.Storage;

namespace SmartApi.Server.Energy;

/// <summary>From <paramref name="Start"/> (UTC, on the slot grid) until the next change, energy costs <paramref name="PricePerKwh"/>.</summary>
internal readonly record struct PriceChange(DateTimeOffset Start, double PricePerKwh);

/// <summary>
/// One tariff over a request's buckets: its price per kWh as change points (the first at the first
/// bucket's start) and its fixed fees per bucket (<c>FeesPerBucket[i]</c> belongs to the i-th bucket).
/// </summary>
internal sealed record PriceTimeline(string Currency, IReadOnlyList<PriceChange> Changes, IReadOnlyList<double> FeesPerBucket);

/// <summary>The tariffs of a request's devices: <c>Timelines[TimelineOf[i]]</c> prices the i-th device; -1: no tariff applies.</summary>
internal sealed record DevicePrices(IReadOnlyList<PriceTimeline> Timelines, IReadOnlyList<int> TimelineOf);

/// <summary>
/// The price timelines statistics sum energy over: one per tariff, shared by the devices it applies
/// to, so the database can sum each tariff group's energy per (device, segment) in one query.
/// </summary>
internal interface IEnergyPriceTimelines
{
    /// <summary>
    /// For <paramref name="devices"/> (device, else tag, else organization tariff, resolved in one
    /// read for all of them), the timelines over <paramref name="buckets"/> in <paramref name="zone"/>.
    /// </summary>
    ValueTask<DevicePrices> TimelinesAsync(
        string organizationId, IReadOnlyList<Device> devices, TimeZoneInfo zone, IReadOnlyList<LocalBucket> buckets, CancellationToken cancellationToken);
}
