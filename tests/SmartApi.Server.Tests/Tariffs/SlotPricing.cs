using SmartApi.Server.Energy;
using SmartApi.Server.Tariffs;

namespace SmartApi.Server.Tests.Tariffs;

/// <summary>The energy a device consumed in one 15-minute slot of <see cref="LocalCalendar"/>'s grid (UTC start).</summary>
internal readonly record struct EnergySlot(DateTimeOffset Start, double EnergyWh);

/// <summary>
/// The pricing tests' slot-by-slot reference: each slot priced on its own, the way the server's price
/// timeline (summed per segment in the database) must add up to. It is itself checked against the
/// plainer per-sample reference of <see cref="TariffPricingTests"/>; the server does not use it.
/// </summary>
internal static class SlotPricing
{
    private const long TicksPerQuarter = TimeSpan.TicksPerMinute * 15;

    /// <summary>
    /// The cost per bucket of <paramref name="buckets"/> (in ascending order): each slot's energy times
    /// the price in force at its start's local time (period by local date, band by local weekday and
    /// time), plus the fixed fees. Slots outside every bucket cost nothing; so does energy on a day
    /// no period covers.
    /// </summary>
    public static double[] Price(TariffSchedule schedule, TimeZoneInfo zone, IReadOnlyList<EnergySlot> slots, IReadOnlyList<LocalBucket> buckets)
    {
        var cost = new double[buckets.Count];
        if (buckets.Count == 0 || schedule.Periods.Length == 0)
        {
            return cost;
        }
        var offsets = new ZoneOffsets(zone);
        int bucket = 0, period = 0;
        for (var i = 0; i < slots.Count; i++)
        {
            var slot = slots[i];
            if (slot.EnergyWh == 0)
            {
                continue;
            }
            var utc = slot.Start.UtcTicks;
            if (!Holds(buckets[bucket], utc) && (bucket = Find(buckets, utc)) < 0)
            {
                bucket = 0;
                continue;
            }
            var local = utc + offsets.OffsetTicks(utc);
            var day = (int)(local / TimeSpan.TicksPerDay);
            if (schedule.PeriodOn(day, ref period) is not { } inForce)
            {
                continue;
            }
            var quarter = (int)(local % TimeSpan.TicksPerDay / TicksPerQuarter);
            cost[bucket] += slot.EnergyWh / 1000 * inForce.Prices[(day % 7 * TariffText.QuartersPerDay) + quarter];
        }
        var fees = TariffCalculator.Timeline(schedule, zone, buckets).FeesPerBucket;
        for (var b = 0; b < cost.Length; b++)
        {
            cost[b] += fees[b];
        }
        return cost;
    }

    private static bool Holds(LocalBucket bucket, long utcTicks) => utcTicks >= bucket.Start.UtcTicks && utcTicks < bucket.End.UtcTicks;

    /// <summary>The index of the bucket holding the instant, by binary search; -1 when none does.</summary>
    private static int Find(IReadOnlyList<LocalBucket> buckets, long utcTicks)
    {
        int low = 0, high = buckets.Count - 1;
        while (low <= high)
        {
            var middle = (low + high) >>> 1;
            var bucket = buckets[middle];
            if (utcTicks < bucket.Start.UtcTicks)
            {
                high = middle - 1;
            }
            else if (utcTicks >= bucket.End.UtcTicks)
            {
                low = middle + 1;
            }
            else
            {
                return middle;
            }
        }
        return -1;
    }
}
