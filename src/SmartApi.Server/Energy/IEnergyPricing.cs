namespace SmartApi.Server.Energy;

/// <summary>The energy a device consumed in one 15-minute slot of <see cref="LocalCalendar"/>'s grid (UTC start).</summary>
internal readonly record struct EnergySlot(DateTimeOffset Start, double EnergyWh);

/// <summary>A device's cost per bucket, in one currency; <c>Cost[i]</c> belongs to the i-th bucket asked for.</summary>
internal sealed record PricedBuckets(string Currency, IReadOnlyList<double> Cost);

/// <summary>
/// Prices a device's energy with the tariff that applies to it (device, else tag, else organization).
/// Statistics call it once per device and request; the implementation lives with tariffs.
/// </summary>
internal interface IEnergyPricing
{
    /// <summary>
    /// The cost of <paramref name="slots"/> (energy times the band price in force at each slot's local
    /// start, in <paramref name="zone"/>) plus the tariff's fixed fees, per bucket of
    /// <paramref name="buckets"/>; null when no tariff applies to the device.
    /// </summary>
    ValueTask<PricedBuckets?> PriceAsync(
        string organizationId,
        string deviceId,
        IReadOnlyDictionary<string, string> tags,
        TimeZoneInfo zone,
        IReadOnlyList<EnergySlot> slots,
        IReadOnlyList<LocalBucket> buckets,
        CancellationToken cancellationToken);
}
