using System.Globalization;
using SmartApi.Contracts;
using SmartApi.Storage;

namespace SmartApi.Server.Energy;

/// <summary>
/// Local-time buckets of the energy rollups, per device, then summed per group. Pricing gives each
/// tariff's price timeline; the bucket boundaries and the price changes together cut the range into
/// segments of one bucket and one price, and the database sums each device's rollups per segment in
/// one query per tariff group (<see cref="IEnergyStore.SumEnergySegmentsAsync"/>): a segment's cost
/// is its energy times its price, and peaks are maxima, so nothing is lost against summing slots.
/// Every slot lies in exactly one bucket, since buckets start on the slot grid (<see cref="LocalCalendar"/>).
/// </summary>
internal sealed class EnergyStatistics(IEnergyStore store, IEnergyPriceTimelines? pricing = null)
{
    /// <summary>A bucket that leaves more than this uncovered is incomplete (the integration gap: a longer silence is not integrated).</summary>
    private static readonly double MaxUncoveredSeconds = Measurements.EnergyAccounting.MaxIntegrationGap.TotalSeconds;

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
        var prices = pricing is null ? null : await pricing.TimelinesAsync(organizationId, devices, zone, buckets, cancellationToken);
        var position = new Dictionary<string, int>(devices.Count, StringComparer.Ordinal);
        foreach (var device in devices)
        {
            position.TryAdd(device.Id, position.Count);
        }
        var totals = new Totals[position.Count][];
        var costs = new double[]?[position.Count];
        // One query per tariff group (-1: the devices no tariff prices).
        var groups = devices.Select((d, i) => (d.Id, Timeline: prices?.TimelineOf[i] ?? -1)).DistinctBy(d => d.Id).GroupBy(d => d.Timeline);
        foreach (var group in groups)
        {
            var timeline = group.Key < 0 ? null : prices!.Timelines[group.Key];
            var segments = Segments(buckets, timeline);
            var ids = group.Select(d => d.Id).ToList();
            foreach (var id in ids)
            {
                totals[position[id]] = new Totals[buckets.Count];
                costs[position[id]] = timeline is null ? null : [.. timeline.FeesPerBucket];
            }
            var sums = await store.SumEnergySegmentsAsync(organizationId, ids, segments.Boundaries, cancellationToken);
            foreach (var sum in sums)
            {
                var d = position[sum.DeviceId];
                var b = segments.Bucket[sum.Segment];
                totals[d][b].Add(sum);
                if (costs[d] is { } cost)
                {
                    cost[b] += sum.EnergyWh / 1000 * segments.Price[sum.Segment];
                }
            }
        }
        var localStarts = buckets.Select(LocalStart).ToArray();
        for (var i = 0; i < devices.Count; i++)
        {
            var device = devices[i];
            var d = position[device.Id];
            var cost = costs[d];
            var list = new EnergyBucket[buckets.Count];
            for (var b = 0; b < buckets.Count; b++)
            {
                list[b] = ToBucket(buckets[b], localStarts[b], totals[d][b], now, cost?[b]);
            }
            var index = prices?.TimelineOf[i] ?? -1;
            result.Add(new DeviceBuckets(device, index < 0 ? null : prices!.Timelines[index].Currency, list));
        }
        return result;
    }

    /// <summary>
    /// The union of the buckets' boundaries and the price changes inside the range, ascending; each
    /// segment's bucket and price per kWh (0 without a timeline).
    /// </summary>
    internal static (List<DateTimeOffset> Boundaries, int[] Bucket, double[] Price) Segments(IReadOnlyList<LocalBucket> buckets, PriceTimeline? timeline)
    {
        var changes = timeline?.Changes ?? [];
        var boundaries = new List<DateTimeOffset>(buckets.Count + changes.Count + 1);
        var bucketOf = new List<int>(buckets.Count + changes.Count);
        var priceOf = new List<double>(buckets.Count + changes.Count);
        var c = 0;
        for (var b = 0; b < buckets.Count; b++)
        {
            var (start, end) = (buckets[b].Start, buckets[b].End);
            var cut = start;
            while (cut < end)
            {
                // The price in force at the cut: the last change at or before it.
                while (c + 1 < changes.Count && changes[c + 1].Start <= cut)
                {
                    c++;
                }
                boundaries.Add(cut);
                bucketOf.Add(b);
                priceOf.Add(c < changes.Count && changes[c].Start <= cut ? changes[c].PricePerKwh : 0);
                cut = c + 1 < changes.Count && changes[c + 1].Start < end ? changes[c + 1].Start : end;
            }
        }
        boundaries.Add(buckets[^1].End);
        return (boundaries, [.. bucketOf], [.. priceOf]);
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
    public static EnergyBucket[] Merge(IReadOnlyList<DeviceBuckets> group, IReadOnlyList<LocalBucket> buckets, string? currency)
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
            // The members' buckets already carry the formatted local start; an empty group formats its own.
            var localStart = group.Count > 0 ? group[0].Buckets[b].LocalStart : LocalStart(buckets[b]);
            merged[b] = new EnergyBucket(buckets[b].Start, buckets[b].End, localStart, energy, avg, peak, onHours, samples,
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

    private static EnergyBucket ToBucket(LocalBucket bucket, string localStart, Totals t, DateTimeOffset now, double? cost)
    {
        var length = (bucket.End - bucket.Start).TotalSeconds;
        double? avg = t.CoveredSeconds > 0 ? t.PowerSeconds / t.CoveredSeconds : t.Samples > 0 ? t.PowerSumW / t.Samples : null;
        var complete = bucket.End <= now && t.CoveredSeconds >= length - MaxUncoveredSeconds;
        return new EnergyBucket(bucket.Start, bucket.End, localStart, t.EnergyWh, avg, t.Samples > 0 ? t.PeakPowerW : null,
            t.OnSeconds / 3600, t.Samples, Math.Min(1, t.CoveredSeconds / length), complete, cost);
    }

    /// <summary>The bucket's local start (<see cref="LocalBucket.LocalStart"/>) with its UTC offset, RFC 3339 (<c>2026-03-29T00:00:00+01:00</c>).</summary>
    public static string LocalStart(LocalBucket bucket) =>
        new DateTimeOffset(bucket.LocalStart, bucket.LocalStart - bucket.Start.UtcDateTime).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    private struct Totals
    {
        public double EnergyWh;
        public int Samples;
        public double PowerSumW;
        public double PowerSeconds;
        public double PeakPowerW;
        public double CoveredSeconds;
        public double OnSeconds;

        public void Add(EnergySegmentTotals sum)
        {
            PeakPowerW = Samples == 0 ? sum.PeakPowerW : Math.Max(PeakPowerW, sum.PeakPowerW);
            EnergyWh += sum.EnergyWh;
            Samples += checked((int)sum.Samples);
            PowerSumW += sum.PowerSumW;
            PowerSeconds += sum.PowerSeconds;
            CoveredSeconds += sum.CoveredSeconds;
            OnSeconds += sum.OnSeconds;
        }
    }
}

/// <summary>One device's buckets and the currency of their costs (null: not priced).</summary>
internal sealed record DeviceBuckets(Device Device, string? Currency, IReadOnlyList<EnergyBucket> Buckets);
