using SmartApi.Server.Energy;

namespace SmartApi.Server.Tariffs;

/// <summary>
/// Turns a <see cref="TariffSchedule"/> into a price timeline the database sums energy over, with its
/// fixed fees spread over the buckets. Walks the quarter-hour grid with a cached UTC offset
/// (<see cref="ZoneOffsets"/>) and a period lookup that usually hits the last period found.
/// </summary>
internal static class TariffCalculator
{
    private const long TicksPerQuarter = TimeSpan.TicksPerMinute * 15;

    /// <summary>
    /// The price per kWh in force over <c>[buckets[0].Start, buckets[^1].End)</c> as change points on
    /// the slot grid (the first at the range's start; a day no period covers costs 0), and the fixed
    /// fees per bucket. Energy times the price in force, summed per segment between change points,
    /// is what pricing each slot at its start's local time gives (the tests' slot-by-slot reference).
    /// </summary>
    public static PriceTimeline Timeline(TariffSchedule schedule, TimeZoneInfo zone, IReadOnlyList<LocalBucket> buckets)
    {
        var changes = new List<PriceChange>();
        var fees = new double[buckets.Count];
        if (buckets.Count == 0)
        {
            return new PriceTimeline(schedule.Currency, changes, fees);
        }
        var offsets = new ZoneOffsets(zone);
        var period = 0;
        var end = buckets[^1].End.UtcTicks;
        for (var utc = buckets[0].Start.UtcTicks; utc < end; utc += TicksPerQuarter)
        {
            var local = utc + offsets.OffsetTicks(utc);
            var day = (int)(local / TimeSpan.TicksPerDay);
            var price = schedule.PeriodOn(day, ref period) is { } inForce
                ? inForce.Prices[(day % 7 * TariffText.QuartersPerDay) + (int)(local % TimeSpan.TicksPerDay / TicksPerQuarter)]
                : 0;
            if (changes.Count == 0 || changes[^1].PricePerKwh != price)
            {
                changes.Add(new PriceChange(new DateTimeOffset(utc, TimeSpan.Zero), price));
            }
        }
        AddFixedFees(schedule, zone, buckets, fees);
        return new PriceTimeline(schedule.Currency, changes, fees);
    }

    /// <summary>
    /// A day fee adds fee x |bucket ∩ day| / |day| to a bucket for each local day it touches, a month
    /// fee likewise over the local month, both from the period in force that day: hourly, daily and
    /// monthly buckets of a range add up to the same fees, and a 23-hour day costs one day fee.
    /// </summary>
    private static void AddFixedFees(TariffSchedule schedule, TimeZoneInfo zone, IReadOnlyList<LocalBucket> buckets, double[] cost)
    {
        if (!schedule.Periods.Any(p => p.FeePerDay != 0 || p.FeePerMonth != 0))
        {
            return;
        }
        var rangeEnd = buckets[^1].End;
        var date = LocalCalendar.LocalDate(buckets[0].Start, zone);
        var dayStart = LocalCalendar.StartOfDay(date, zone);
        DateOnly month = default;
        double monthTicks = 0;
        int period = 0, bucket = 0;
        while (dayStart < rangeEnd)
        {
            var dayEnd = LocalCalendar.StartOfDay(date.AddDays(1), zone);
            // dayEnd == dayStart only for a date the zone skipped (Pacific/Apia, 2011-12-30): no time, no fee.
            if (dayEnd > dayStart && schedule.PeriodOn(date.DayNumber, ref period) is { } inForce && (inForce.FeePerDay != 0 || inForce.FeePerMonth != 0))
            {
                if (new DateOnly(date.Year, date.Month, 1) != month)
                {
                    month = new DateOnly(date.Year, date.Month, 1);
                    monthTicks = (LocalCalendar.StartOfDay(month.AddMonths(1), zone) - LocalCalendar.StartOfDay(month, zone)).Ticks;
                }
                var perTick = (inForce.FeePerDay / (dayEnd - dayStart).Ticks) + (inForce.FeePerMonth / monthTicks);
                // Buckets before this day are done; the one crossing its end is visited again tomorrow.
                while (bucket < buckets.Count && buckets[bucket].End <= dayStart)
                {
                    bucket++;
                }
                for (var b = bucket; b < buckets.Count && buckets[b].Start < dayEnd; b++)
                {
                    var overlap = Min(buckets[b].End, dayEnd) - Max(buckets[b].Start, dayStart);
                    if (overlap > TimeSpan.Zero)
                    {
                        cost[b] += perTick * overlap.Ticks;
                    }
                }
            }
            date = date.AddDays(1);
            dayStart = dayEnd;
        }
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
