using CsCheck;
using SmartApi.Server.Energy;

namespace SmartApi.Server.Tests.Energy;

public sealed class LocalCalendarTests
{
    private static readonly TimeZoneInfo Zurich = TimeZoneInfo.FindSystemTimeZoneById("Europe/Zurich");
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    private static readonly TimeZoneInfo LordHowe = TimeZoneInfo.FindSystemTimeZoneById("Australia/Lord_Howe");
    private static readonly TimeZoneInfo Kathmandu = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kathmandu");

    private static DateTimeOffset Utc(int y, int m, int d, int h = 0, int min = 0) => new(y, m, d, h, min, 0, TimeSpan.Zero);

    [Fact]
    public void Zurich_spring_forward_day_2026_is_23_hours()
    {
        var days = LocalCalendar.Buckets(Utc(2026, 3, 28, 23), Utc(2026, 3, 29, 22), EnergyInterval.Day, Zurich);
        var day = Assert.Single(days);
        Assert.Equal((Utc(2026, 3, 28, 23), Utc(2026, 3, 29, 22)), (day.Start, day.End));
        Assert.Equal(TimeSpan.FromHours(23), day.End - day.Start);
        Assert.Equal(new DateTime(2026, 3, 29), day.LocalStart);
        Assert.Equal(23, LocalCalendar.Buckets(day.Start, day.End, EnergyInterval.Hour, Zurich).Count);
    }

    [Fact]
    public void Zurich_fall_back_day_2026_is_25_hours_with_the_repeated_hour_its_own_bucket()
    {
        var day = Assert.Single(LocalCalendar.Buckets(Utc(2026, 10, 24, 22), Utc(2026, 10, 25, 23), EnergyInterval.Day, Zurich));
        Assert.Equal((Utc(2026, 10, 24, 22), Utc(2026, 10, 25, 23)), (day.Start, day.End));
        var hours = LocalCalendar.Buckets(day.Start, day.End, EnergyInterval.Hour, Zurich);
        Assert.Equal(25, hours.Count);
        Assert.All(hours, h => Assert.Equal(TimeSpan.FromHours(1), h.End - h.Start));
        Assert.Equal(2, hours.Count(h => h.LocalStart.Hour == 2));
    }

    [Fact]
    public void Kathmandu_days_start_at_quarter_past_six_the_evening_before_in_UTC()
    {
        var days = LocalCalendar.Buckets(Utc(2026, 6, 1), Utc(2026, 6, 3), EnergyInterval.Day, Kathmandu);
        Assert.Equal(Utc(2026, 5, 31, 18, 15), days[0].Start);
        Assert.All(days, d => Assert.Equal(TimeSpan.FromDays(1), d.End - d.Start));
        Assert.All(LocalCalendar.Buckets(Utc(2026, 6, 1), Utc(2026, 6, 2), EnergyInterval.Hour, Kathmandu),
            h => Assert.Equal(15, h.Start.Minute));
    }

    [Fact]
    public void Lord_Howe_half_hour_shift_gives_23_and_a_half_and_24_and_a_half_hour_days()
    {
        // DST ends on 5 April 2026 (02:00 +11 -> 01:30 +10:30) and starts on 4 October 2026 (02:00 -> 02:30).
        var april = LocalCalendar.Buckets(LocalCalendar.StartOfDay(new DateOnly(2026, 4, 5), LordHowe), Utc(2026, 4, 5, 12), EnergyInterval.Day, LordHowe);
        Assert.Equal(TimeSpan.FromHours(24.5), april[0].End - april[0].Start);
        var october = LocalCalendar.Buckets(LocalCalendar.StartOfDay(new DateOnly(2026, 10, 4), LordHowe), Utc(2026, 10, 4, 12), EnergyInterval.Day, LordHowe);
        Assert.Equal(TimeSpan.FromHours(23.5), october[0].End - october[0].Start);
    }

    [Fact]
    public void Weeks_start_on_Monday_and_months_on_the_first_local_day()
    {
        var weeks = LocalCalendar.Buckets(Utc(2026, 3, 25), Utc(2026, 4, 2), EnergyInterval.Week, Zurich);
        Assert.Equal(new DateTime(2026, 3, 23), weeks[0].LocalStart);
        Assert.Equal(TimeSpan.FromHours(24 * 7 - 1), weeks[0].End - weeks[0].Start);
        Assert.All(weeks, w => Assert.Equal(DayOfWeek.Monday, w.LocalStart.DayOfWeek));
        var months = LocalCalendar.Buckets(Utc(2026, 1, 15), Utc(2026, 12, 15), EnergyInterval.Month, NewYork);
        Assert.Equal(12, months.Count);
        Assert.All(months, m => Assert.Equal((1, 0), (m.LocalStart.Day, m.LocalStart.Hour)));
    }

    [Fact]
    public void Buckets_tile_the_range_without_gaps_or_overlap_in_every_zone()
    {
        var zones = new[] { Zurich, NewYork, LordHowe, Kathmandu, TimeZoneInfo.Utc };
        Gen.Select(Gen.Int[0, 4], Gen.Int[0, 4], Gen.Long[0, 366L * 24 * 4], Gen.Int[1, 24 * 4 * 40])
            .Sample((z, i, offset, length) =>
            {
                var zone = zones[z];
                var interval = (EnergyInterval)i;
                var from = Utc(2026, 1, 1) + LocalCalendar.Slot * offset;
                var to = from + LocalCalendar.Slot * length;
                var buckets = LocalCalendar.Buckets(from, to, interval, zone);
                Assert.True(buckets[0].Start <= from && buckets[^1].End >= to);
                for (var k = 1; k < buckets.Count; k++)
                {
                    Assert.Equal(buckets[k - 1].End, buckets[k].Start);
                }
                Assert.All(buckets, b => Assert.Equal(b.Start, LocalCalendar.BucketStart(b.Start, interval, zone)));
            }, iter: 300);
    }
}
