using System.Globalization;
using SmartApi.Contracts;
using SmartApi.Storage;

namespace SmartApi.Server.Energy;

/// <summary>
/// Turns rollup slots into local-time buckets: per device, then summed per group. Every slot lies in
/// exactly one bucket, since buckets start on the slot grid (<see cref="LocalCalendar"/>).
/// </summary>
internal sealed class EnergyStatistics(IEnergyStore store, IServiceProvider services)
{
    /// <summary>A bucket that leaves more than this uncovered is incomplete (the integration gap: a longer silence is not integrated).</summary>
    public static readonly double MaxUncoveredSeconds = Measurements.EnergyAccounting.MaxIntegrationGap.TotalSeconds;

    /// <summary>The statistics of each device, with its cost where pricing is registered and a tariff applies.</summary>
    /// <param name="organizationId">The devices' organization.</param>
    /// <param name="devices">The devices.</param>
    /// <param name="buckets">The buckets, contiguous and in time order.</param>
    /// <param name="zone">The zone the buckets are local to.</param>
    /// <param name="now">Buckets ending after it are in progress.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public async Task<List<DeviceBuckets>> ComputeAsync(
        string organizationId, IReadOnlyList<Device> devices, IReadOnlyList<LocalBucket> buckets, TimeZoneInfo zone, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var result = new List<DeviceBuckets>(devices.Count);
        if (devices.Count == 0 || buckets.Count == 0)
        {
            return result;
        }
        // One query over the rollups for every device of the request.
        var slots = await store.ListEnergySlotsAsync(organizationId, [.. devices.Select(d => d.Id)], buckets[0].Start, buckets[^1].End, cancellationToken);
        var ranges = new Dictionary<string, (int Start, int Count)>(StringComparer.Ordinal);
        for (var i = 0; i < slots.Count;)
        {
            var start = i;
            var id = slots[i].DeviceId;
            while (i < slots.Count && string.Equals(slots[i].DeviceId, id, StringComparison.Ordinal))
            {
                i++;
            }
            ranges[id] = (start, i - start);
        }
        var pricing = services.GetService<IEnergyPricing>();
        var localStarts = buckets.Select(b => LocalStart(b, zone)).ToArray();
        foreach (var device in devices)
        {
            var (start, count) = ranges.GetValueOrDefault(device.Id);
            var totals = Sum(slots, start, count, buckets);
            PricedBuckets? priced = null;
            if (pricing is not null)
            {
                var energy = new EnergySlot[count];
                for (var i = 0; i < count; i++)
                {
                    energy[i] = new EnergySlot(slots[start + i].Slot, slots[start + i].EnergyWh);
                }
                priced = await pricing.PriceAsync(organizationId, device.Id, device.Tags, zone, energy, buckets, cancellationToken);
            }
            var list = new EnergyBucket[buckets.Count];
            for (var b = 0; b < buckets.Count; b++)
            {
                list[b] = ToBucket(buckets[b], localStarts[b], totals[b], now, priced is null || b >= priced.Cost.Count ? null : priced.Cost[b]);
            }
            result.Add(new DeviceBuckets(device, priced?.Currency, list));
        }
        return result;
    }

    /// <summary>The single currency of the priced devices; null when none is priced or currencies differ.</summary>
    public static string? Currency(IEnumerable<DeviceBuckets> devices)
    {
        var currencies = devices.Select(d => d.Currency).OfType<string>().Distinct(StringComparer.Ordinal).Take(2).ToList();
        return currencies.Count == 1 ? currencies[0] : null;
    }

    /// <summary>
    /// The group's buckets: energy, samples, on-hours and cost add up, the average power is the sum of
    /// the devices' averages, the peak is the largest of any one device, coverage is the devices'
    /// mean and a bucket is complete when it is for every device. Costs are summed only in
    /// <paramref name="currency"/> (null: every cost is null).
    /// </summary>
    public static EnergyBucket[] Merge(IReadOnlyList<DeviceBuckets> group, IReadOnlyList<LocalBucket> buckets, IReadOnlyList<EnergyBucket>? template, string? currency)
    {
        var merged = new EnergyBucket[buckets.Count];
        for (var b = 0; b < buckets.Count; b++)
        {
            double energy = 0, onHours = 0, coverage = 0;
            double? avg = null, peak = null, cost = null;
            var samples = 0;
            var complete = true;
            foreach (var device in group)
            {
                var x = device.Buckets[b];
                energy += x.EnergyWh;
                onHours += x.OnHours;
                coverage += x.Coverage;
                samples += x.Samples;
                complete &= x.Complete;
                if (x.AvgPowerW is { } a)
                {
                    avg = (avg ?? 0) + a;
                }
                if (x.PeakPowerW is { } p)
                {
                    peak = Math.Max(peak ?? double.MinValue, p);
                }
                if (currency is not null && device.Currency == currency && x.Cost is { } c)
                {
                    cost = (cost ?? 0) + c;
                }
            }
            var first = template?[b] ?? group[0].Buckets[b];
            merged[b] = new EnergyBucket(first.Start, first.End, first.LocalStart, energy, avg, peak, onHours, samples,
                group.Count == 0 ? 0 : coverage / group.Count, complete && group.Count > 0, cost);
        }
        return merged;
    }

    /// <summary>The sum of the buckets' costs; null when every one is null.</summary>
    public static double? TotalCost(IEnumerable<EnergyBucket> buckets)
    {
        double? total = null;
        foreach (var bucket in buckets)
        {
            if (bucket.Cost is { } c)
            {
                total = (total ?? 0) + c;
            }
        }
        return total;
    }

    private static Totals[] Sum(IReadOnlyList<EnergySlotTotals> slots, int start, int count, IReadOnlyList<LocalBucket> buckets)
    {
        var totals = new Totals[buckets.Count];
        var b = 0;
        for (var i = start; i < start + count; i++)
        {
            var slot = slots[i];
            while (b < buckets.Count && slot.Slot >= buckets[b].End)
            {
                b++;
            }
            if (b == buckets.Count)
            {
                break;
            }
            ref var t = ref totals[b];
            t.EnergyWh += slot.EnergyWh;
            t.PeakPowerW = t.Samples == 0 ? slot.PeakPowerW : Math.Max(t.PeakPowerW, slot.PeakPowerW);
            t.Samples += slot.Samples;
            t.PowerSumW += slot.PowerSumW;
            t.PowerSeconds += slot.PowerSeconds;
            t.CoveredSeconds += slot.CoveredSeconds;
            t.OnSeconds += slot.OnSeconds;
        }
        return totals;
    }

    private static EnergyBucket ToBucket(LocalBucket bucket, string localStart, Totals t, DateTimeOffset now, double? cost)
    {
        var length = (bucket.End - bucket.Start).TotalSeconds;
        double? avg = t.CoveredSeconds > 0 ? t.PowerSeconds / t.CoveredSeconds : t.Samples > 0 ? t.PowerSumW / t.Samples : null;
        var complete = bucket.End <= now && t.CoveredSeconds >= length - MaxUncoveredSeconds;
        return new EnergyBucket(bucket.Start, bucket.End, localStart, t.EnergyWh, avg, t.Samples > 0 ? t.PeakPowerW : null,
            t.OnSeconds / 3600, t.Samples, Math.Min(1, t.CoveredSeconds / length), complete, cost);
    }

    /// <summary>The bucket's local start with its UTC offset, RFC 3339 (<c>2026-03-29T00:00:00+01:00</c>).</summary>
    public static string LocalStart(LocalBucket bucket, TimeZoneInfo zone) =>
        bucket.Start.ToOffset(zone.GetUtcOffset(bucket.Start)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    private struct Totals
    {
        public double EnergyWh;
        public int Samples;
        public double PowerSumW;
        public double PowerSeconds;
        public double PeakPowerW;
        public double CoveredSeconds;
        public double OnSeconds;
    }
}

/// <summary>One device's buckets and the currency of their costs (null: not priced).</summary>
internal sealed record DeviceBuckets(Device Device, string? Currency, IReadOnlyList<EnergyBucket> Buckets);
