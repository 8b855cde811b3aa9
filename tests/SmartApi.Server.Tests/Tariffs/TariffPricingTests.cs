using CsCheck;
using SmartApi.Contracts;
using SmartApi.Server.Energy;
using SmartApi.Server.Infrastructure;
using SmartApi.Server.Tariffs;

namespace SmartApi.Server.Tests.Tariffs;

/// <summary>
/// Pricing against a reference written from the definition's words: each sample's energy times the
/// price in force at the sample's own local time (period by local date, band by local weekday and
/// time), in zones with DST and a +5:45 offset; fees spread over real local days and months.
/// </summary>
public sealed class TariffPricingTests
{
    private static readonly TimeZoneInfo Zurich = TimeZoneInfo.FindSystemTimeZoneById("Europe/Zurich");
    private static readonly TimeZoneInfo Kathmandu = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kathmandu");
    private static readonly TimeZoneInfo[] Zones = [Zurich, Kathmandu, TimeZoneInfo.FindSystemTimeZoneById("America/New_York")];
    private static readonly DateOnly Epoch = new(2026, 1, 1);

    private static DateTimeOffset Utc(int y, int m, int d, int h = 0, int min = 0) => new(y, m, d, h, min, 0, TimeSpan.Zero);

    private static string Time(int quarter) => $"{quarter / 4:00}:{quarter % 4 * 15:00}";

    // --- The reference: no week table, no cached offsets, one sample at a time.

    private static bool Covers(TariffBand band, int weekday, int minute)
    {
        var from = int.Parse(band.From![..2]) * 60 + int.Parse(band.From[3..]);
        var to = int.Parse(band.To![..2]) * 60 + int.Parse(band.To[3..]);
        bool Listed(int day) => band.Days is null || band.Days.Contains(TariffText.Weekdays[(day + 7) % 7]);
        return from < to
            ? Listed(weekday) && minute >= from && minute < to
            : (Listed(weekday) && minute >= from) || (Listed(weekday - 1) && minute < to);
    }

    private static TariffPeriod? PeriodOn(IReadOnlyList<TariffPeriod> periods, DateOnly date) =>
        periods.FirstOrDefault(p => DateOnly.Parse(p.From!) <= date && (p.To is null || date < DateOnly.Parse(p.To)));

    private static double ReferencePrice(IReadOnlyList<TariffPeriod> periods, DateTimeOffset instant, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTimeFromUtc(instant.UtcDateTime, zone);
        if (PeriodOn(periods, DateOnly.FromDateTime(local)) is not { } period)
        {
            return 0;
        }
        var weekday = ((int)local.DayOfWeek + 6) % 7;
        var band = period.Bands?.FirstOrDefault(b => Covers(b, weekday, local.Hour * 60 + local.Minute));
        return band?.PricePerKwh ?? period.PricePerKwh!.Value;
    }

    // --- Generators.

    private static readonly Gen<TariffBand> GenBand =
        Gen.Select(Gen.Int[0, 127], Gen.Int[0, 95], Gen.Int[1, 96], Gen.Int[0, 100])
            .Select((days, from, to, price) => new TariffBand(
                null,
                days == 0 ? null : [.. Enumerable.Range(0, 7).Where(d => (days & (1 << d)) != 0).Select(d => TariffText.Weekdays[d])],
                Time(from), Time(to == from ? (to % 96) + 1 : to), price / 100.0));

    private static readonly Gen<TariffPeriod> GenPeriodShape =
        Gen.Select(Gen.Int[0, 100], GenBand.Array[0, 5], Gen.Int[0, 100], Gen.Int[0, 3000])
            .Select((price, bands, perDay, perMonth) => new TariffPeriod(null, null, price / 100.0, NonOverlapping(bands),
                new TariffFixedFees(perDay / 100.0, perMonth / 100.0)));

    /// <summary>1-4 periods in date order from 2026, with gaps between some; the last open-ended or not.</summary>
    private static readonly Gen<List<TariffPeriod>> GenPeriods =
        Gen.Select(GenPeriodShape.Array[1, 4], Gen.Int[0, 60].Array[8], Gen.Bool)
            .Select((shapes, days, openEnded) =>
            {
                var periods = new List<TariffPeriod>();
                var from = Epoch.AddDays(days[0] - 30);
                for (var i = 0; i < shapes.Length; i++)
                {
                    var to = from.AddDays(20 + days[i + 1] * 5);
                    var last = i == shapes.Length - 1;
                    periods.Add(shapes[i] with { From = $"{from:yyyy-MM-dd}", To = last && openEnded ? null : $"{to:yyyy-MM-dd}" });
                    from = to.AddDays(days[i + 2] % 3 == 0 ? days[i + 2] % 10 : 0);
                }
                return periods;
            });

    /// <summary>Keeps the bands that overlap none kept before (checked with the reference's own <see cref="Covers"/>).</summary>
    private static TariffBand[] NonOverlapping(TariffBand[] bands)
    {
        var kept = new List<TariffBand>();
        foreach (var band in bands)
        {
            var clash = Enumerable.Range(0, 7 * 96).Any(cell =>
                Covers(band, cell / 96, cell % 96 * 15) && kept.Any(k => Covers(k, cell / 96, cell % 96 * 15)));
            if (!clash)
            {
                kept.Add(band);
            }
        }
        return [.. kept];
    }

    /// <summary>Instants from late 2025 to mid 2027, half of them within two days of a DST change in Europe or the US.</summary>
    private static readonly Gen<DateTimeOffset> GenInstant =
        Gen.Frequency(
            (1, Gen.Long[Utc(2025, 12, 1).UtcTicks, Utc(2027, 6, 1).UtcTicks].Select(t => new DateTimeOffset(t, TimeSpan.Zero))),
            (1, Gen.Select(Gen.OneOfConst(Utc(2026, 3, 29, 1), Utc(2026, 10, 25, 1), Utc(2026, 3, 8, 7), Utc(2026, 11, 1, 6), Utc(2027, 3, 28, 1)),
                Gen.Long[-TimeSpan.TicksPerDay * 2, TimeSpan.TicksPerDay * 2]).Select((at, delta) => at.AddTicks(delta))));

    private static void AssertClose(double expected, double actual, string because)
    {
        Assert.True(Math.Abs(expected - actual) <= 1e-9 * Math.Max(1, Math.Abs(expected)), $"{because}: expected {expected}, got {actual}");
    }

    /// <summary>The slots statistics hand over (samples summed per 15-minute UTC slot, in time order) and the buckets holding them (days where hours would be too many).</summary>
    private static (List<EnergySlot> Slots, List<LocalBucket> Buckets) SlotsAndBuckets((DateTimeOffset, double)[] samples, TimeZoneInfo zone, int interval)
    {
        var slots = samples.GroupBy(s => LocalCalendar.SlotStart(s.Item1)).Select(g => new EnergySlot(g.Key, g.Sum(s => s.Item2))).OrderBy(s => s.Start).ToList();
        var from = samples.Min(s => s.Item1);
        var to = samples.Max(s => s.Item1).AddTicks(1);
        var kind = (EnergyInterval)interval;
        if (kind == EnergyInterval.Hour && to - from > TimeSpan.FromDays(120))
        {
            kind = EnergyInterval.Day;
        }
        return (slots, LocalCalendar.Buckets(from, to, kind, zone));
    }

    [Fact]
    public void Cost_equals_each_samples_energy_times_the_price_in_force_at_its_local_time()
    {
        Gen.Select(GenPeriods, Gen.Select(GenInstant, Gen.Double[0, 2000]).Array[1, 200], Gen.Int[0, Zones.Length - 1], Gen.Int[0, 3], Gen.Bool)
            .Sample((periods, samples, z, interval, shuffle) =>
            {
                var zone = Zones[z];
                var errors = new ValidationErrors();
                var normalized = TariffValidation.Periods(periods.Select(p => p with { FixedFees = null }).ToList(), errors, required: true)!;
                Assert.False(errors.Any, "the generator makes valid tariffs");

                var (slots, buckets) = SlotsAndBuckets(samples, zone, interval);
                slots = shuffle ? [.. slots.OrderBy(s => s.Start.UtcTicks * 7919 % 1000003)] : slots;

                var cost = SlotPricing.Price(TariffSchedule.Compile("CHF", normalized), zone, slots, buckets);

                var expected = new double[buckets.Count];
                foreach (var (at, energy) in samples)
                {
                    expected[buckets.FindIndex(b => b.Start <= at && at < b.End)] += energy / 1000 * ReferencePrice(normalized, at, zone);
                }
                for (var i = 0; i < buckets.Count; i++)
                {
                    AssertClose(expected[i], cost[i], $"bucket {buckets[i].LocalStart:yyyy-MM-dd HH:mm} in {zone.Id}");
                }
            }, iter: 150);
    }

    [Fact]
    public void Energy_summed_per_segment_of_the_price_timeline_costs_what_slot_by_slot_pricing_does()
    {
        Gen.Select(GenPeriods, Gen.Select(GenInstant, Gen.Double[0, 2000]).Array[1, 200], Gen.Int[0, Zones.Length - 1], Gen.Int[0, 3])
            .Sample((periods, samples, z, interval) =>
            {
                var zone = Zones[z];
                var (slots, buckets) = SlotsAndBuckets(samples, zone, interval);
                var schedule = TariffSchedule.Compile("CHF", periods);

                var timeline = TariffCalculator.Timeline(schedule, zone, buckets);
                var (boundaries, bucketOf, price) = EnergyStatistics.Segments(buckets, timeline);

                // What the database returns: each segment's energy.
                var cost = timeline.FeesPerBucket.ToArray();
                foreach (var slot in slots)
                {
                    var segment = boundaries.FindLastIndex(b => b <= slot.Start);
                    Assert.True(buckets[bucketOf[segment]].Start <= slot.Start && slot.Start < buckets[bucketOf[segment]].End, "a segment lies in its bucket");
                    cost[bucketOf[segment]] += slot.EnergyWh / 1000 * price[segment];
                }
                Assert.True(timeline.Changes.Zip(timeline.Changes.Skip(1)).All(p => p.First.Start < p.Second.Start && p.First.PricePerKwh != p.Second.PricePerKwh), "changes ascend and change the price");
                var expected = SlotPricing.Price(schedule, zone, slots, buckets);
                for (var i = 0; i < buckets.Count; i++)
                {
                    AssertClose(expected[i], cost[i], $"bucket {buckets[i].LocalStart:yyyy-MM-dd HH:mm} in {zone.Id}");
                }
            }, iter: 150);
    }

    [Fact]
    public void Fixed_fees_add_up_the_same_in_hours_days_and_months_and_follow_the_period_of_each_day()
    {
        Gen.Select(GenPeriods, Gen.Int[0, Zones.Length - 1], Gen.Int[0, 14], Gen.Int[1, 3])
            .Sample((periods, z, startMonth, months) =>
            {
                var zone = Zones[z];
                var first = new DateOnly(2025, 12, 1).AddMonths(startMonth);
                var end = first.AddMonths(months);
                var from = LocalCalendar.StartOfDay(first, zone);
                var to = LocalCalendar.StartOfDay(end, zone);
                var schedule = TariffSchedule.Compile("CHF", periods);

                double Total(EnergyInterval interval)
                {
                    var buckets = LocalCalendar.Buckets(from, to, interval, zone);
                    Assert.Equal((from, to), (buckets[0].Start, buckets[^1].End));
                    return SlotPricing.Price(schedule, zone, [], buckets).Sum();
                }

                // The reference: each local day's own fee, and its share of its month by real length.
                var expected = 0.0;
                for (var day = first; day < end; day = day.AddDays(1))
                {
                    if (PeriodOn(periods, day) is { FixedFees: { } fees })
                    {
                        var month = new DateOnly(day.Year, day.Month, 1);
                        var dayLength = LocalCalendar.StartOfDay(day.AddDays(1), zone) - LocalCalendar.StartOfDay(day, zone);
                        var monthLength = LocalCalendar.StartOfDay(month.AddMonths(1), zone) - LocalCalendar.StartOfDay(month, zone);
                        expected += fees.PerDay!.Value + (fees.PerMonth!.Value * dayLength / monthLength);
                    }
                }
                AssertClose(expected, Total(EnergyInterval.Month), "months");
                AssertClose(expected, Total(EnergyInterval.Day), "days");
                AssertClose(expected, Total(EnergyInterval.Hour), "hours");
            }, iter: 60);
    }

    // --- Known answers: Europe/Zurich's two DST days of 2026 are Sundays. Peak 07:00-20:00 every
    // day at 0.30, a Saturday-night band 22:00-06:00 at 0.10 (so Sunday 00:00-06:00, the changed
    // hour inside it), 0.20 otherwise, 0.40 a day; a constant 1 kW load.

    private static readonly TariffSchedule PeakOffPeak = TariffSchedule.Compile("CHF",
    [
        new TariffPeriod("2026-01-01", "2027-01-01", 0.20,
            [new TariffBand("peak", null, "07:00", "20:00", 0.30), new TariffBand("night", ["sat"], "22:00", "06:00", 0.10)],
            new TariffFixedFees(PerDay: 0.40)),
    ]);

    private static List<EnergySlot> OneKilowatt(DateTimeOffset from, DateTimeOffset to)
    {
        var slots = new List<EnergySlot>();
        for (var at = from; at < to; at += LocalCalendar.Slot)
        {
            slots.Add(new EnergySlot(at, 250));
        }
        return slots;
    }

    [Theory]
    // 23 hours: night 00-02 and 03-06 (5 h x 0.10), 06-07 0.20, peak 13 h x 0.30, 20-24 4 h x 0.20, fee 0.40.
    [InlineData(2026, 3, 29, 23, 0.5 + 0.2 + 3.9 + 0.8 + 0.4)]
    // 25 hours: night 00-06 with 02 twice (7 h x 0.10), the rest as above.
    [InlineData(2026, 10, 25, 25, 0.7 + 0.2 + 3.9 + 0.8 + 0.4)]
    public void Zurich_DST_days_of_2026_cost_what_the_clock_on_the_wall_says(int year, int month, int day, int hours, double expected)
    {
        var date = new DateOnly(year, month, day);
        var from = LocalCalendar.StartOfDay(date, Zurich);
        var to = LocalCalendar.StartOfDay(date.AddDays(1), Zurich);
        var slots = OneKilowatt(from, to);

        var daily = SlotPricing.Price(PeakOffPeak, Zurich, slots, LocalCalendar.Buckets(from, to, EnergyInterval.Day, Zurich));
        AssertClose(expected, Assert.Single(daily), "the day");

        var hourBuckets = LocalCalendar.Buckets(from, to, EnergyInterval.Hour, Zurich);
        var hourly = SlotPricing.Price(PeakOffPeak, Zurich, slots, hourBuckets);
        Assert.Equal(hours, hourly.Length);
        AssertClose(expected, hourly.Sum(), "the hours");
        var fee = 0.40 / hours;
        var byLocalHour = hourBuckets.Zip(hourly).ToLookup(h => h.First.LocalStart.Hour, h => Math.Round(h.Second - fee, 9));
        Assert.Equal(month == 3 ? [] : [0.1, 0.1], byLocalHour[2]);
        Assert.Equal([0.1], byLocalHour[5]);
        Assert.Equal([0.2], byLocalHour[6]);
        Assert.Equal([0.3], byLocalHour[7]);
        Assert.Equal([0.3], byLocalHour[19]);
        Assert.Equal([0.2], byLocalHour[20]);
    }

    [Fact]
    public void The_night_band_starts_on_saturday_evening_and_a_band_boundary_inside_an_hour_splits_it_exactly()
    {
        var saturday = LocalCalendar.StartOfDay(new DateOnly(2026, 3, 28), Zurich);
        var hours = LocalCalendar.Buckets(saturday, saturday.AddHours(24), EnergyInterval.Hour, Zurich);
        var cost = SlotPricing.Price(PeakOffPeak, Zurich, OneKilowatt(saturday, saturday.AddHours(24)), hours);
        Assert.Equal(0.1 + (0.4 / 24), cost[22], 9);
        Assert.Equal(0.2 + (0.4 / 24), cost[21], 9);

        // A band from 07:45: the 07:00 hour is three quarters at 0.20 and one at 0.50.
        var quarter = TariffSchedule.Compile("CHF", [new TariffPeriod("2026-01-01", null, 0.20, [new TariffBand(null, null, "07:45", "08:00", 0.50)])]);
        var start = LocalCalendar.StartOfDay(new DateOnly(2026, 7, 1), Kathmandu);
        var kathmanduHours = LocalCalendar.Buckets(start, start.AddDays(1), EnergyInterval.Hour, Kathmandu);
        var kathmandu = SlotPricing.Price(quarter, Kathmandu, OneKilowatt(start, start.AddDays(1)), kathmanduHours);
        Assert.Equal((3 * 0.25 * 0.20) + (0.25 * 0.50), kathmandu[7], 9);
        Assert.Equal(new DateTime(2026, 7, 1, 7, 0, 0), kathmanduHours[7].LocalStart);
    }
}
