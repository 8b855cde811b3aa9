namespace SmartApi.Server.Energy;

/// <summary>The length of a statistics bucket, in the local time of a zone.</summary>
internal enum EnergyInterval
{
    Hour,
    Day,
    Week,
    Month,
}

/// <summary>One bucket: UTC instants <c>[Start, End)</c> and the local wall-clock time it starts at.</summary>
internal readonly record struct LocalBucket(DateTimeOffset Start, DateTimeOffset End, DateTime LocalStart);

/// <summary>
/// Local-time buckets on a 15-minute UTC grid. Every UTC offset in use is a whole number of
/// quarter hours (Asia/Kathmandu +5:45, Australia/Lord_Howe's 30-minute shift), and so is every
/// transition, so each local hour, day, ISO week and month starts on a grid instant: a bucket
/// starts at the first grid instant whose local hour (minute zero), date, week or month differs
/// from the previous instant's. A 23-hour and a 25-hour day are one bucket each; where local
/// midnight does not exist the day starts at the first instant it does; a repeated hour is its
/// own bucket. Energy is rolled up per slot of the same grid, so a slot never straddles a bucket
/// or a tariff band boundary.
/// </summary>
internal static class LocalCalendar
{
    public static readonly TimeSpan Slot = TimeSpan.FromMinutes(15);
    private static readonly long SlotTicks = Slot.Ticks;

    /// <summary>The start of the grid slot holding <paramref name="instant"/>.</summary>
    public static DateTimeOffset SlotStart(DateTimeOffset instant)
    {
        var ticks = instant.UtcTicks;
        return new DateTimeOffset(ticks - (ticks % SlotTicks), TimeSpan.Zero);
    }

    /// <summary>The wall-clock time at <paramref name="instant"/> in <paramref name="zone"/>.</summary>
    public static DateTime Local(DateTimeOffset instant, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTimeFromUtc(instant.UtcDateTime, zone);

    /// <summary>The first instant whose local date is <paramref name="date"/> (or later, where the zone skips it).</summary>
    public static DateTimeOffset StartOfDay(DateOnly date, TimeZoneInfo zone)
    {
        // A first guess from the offset at local midnight, then walk the grid to the exact boundary.
        var midnight = date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        var guess = SlotStart(new DateTimeOffset(midnight - zone.GetUtcOffset(midnight), TimeSpan.Zero));
        while (DateOnly.FromDateTime(Local(guess, zone)) >= date)
        {
            guess -= Slot;
        }
        while (DateOnly.FromDateTime(Local(guess, zone)) < date)
        {
            guess += Slot;
        }
        return guess;
    }

    /// <summary>The local date at <paramref name="instant"/>.</summary>
    public static DateOnly LocalDate(DateTimeOffset instant, TimeZoneInfo zone) => DateOnly.FromDateTime(Local(instant, zone));

    /// <summary>The Monday of the ISO week holding <paramref name="date"/>.</summary>
    public static DateOnly WeekStart(DateOnly date) => date.AddDays(-(((int)date.DayOfWeek + 6) % 7));

    /// <summary>The start of the bucket of <paramref name="interval"/> that holds <paramref name="instant"/>.</summary>
    public static DateTimeOffset BucketStart(DateTimeOffset instant, EnergyInterval interval, TimeZoneInfo zone)
    {
        var date = LocalDate(instant, zone);
        switch (interval)
        {
            case EnergyInterval.Day:
                return StartOfDay(date, zone);
            case EnergyInterval.Week:
                return StartOfDay(WeekStart(date), zone);
            case EnergyInterval.Month:
                return StartOfDay(new DateOnly(date.Year, date.Month, 1), zone);
            default:
                var start = SlotStart(instant);
                while (!IsBoundary(start, EnergyInterval.Hour, zone))
                {
                    start -= Slot;
                }
                return start;
        }
    }

    /// <summary>
    /// The buckets covering <c>[from, to)</c>: the first starts at or before <paramref name="from"/>
    /// and the last ends at or after <paramref name="to"/>, so each bucket is whole.
    /// </summary>
    public static List<LocalBucket> Buckets(DateTimeOffset from, DateTimeOffset to, EnergyInterval interval, TimeZoneInfo zone)
    {
        var buckets = new List<LocalBucket>();
        if (from >= to)
        {
            return buckets;
        }
        var start = BucketStart(from, interval, zone);
        var cursor = start + Slot;
        while (true)
        {
            if (IsBoundary(cursor, interval, zone))
            {
                buckets.Add(new LocalBucket(start, cursor, Local(start, zone)));
                if (cursor >= to)
                {
                    return buckets;
                }
                start = cursor;
            }
            cursor += Slot;
        }
    }

    /// <summary>Whether a bucket of <paramref name="interval"/> starts at the grid instant <paramref name="instant"/>.</summary>
    public static bool IsBoundary(DateTimeOffset instant, EnergyInterval interval, TimeZoneInfo zone)
    {
        var now = Local(instant, zone);
        if (interval == EnergyInterval.Hour)
        {
            return now.Minute == 0;
        }
        var before = Local(instant - Slot, zone);
        return interval switch
        {
            EnergyInterval.Day => now.Date != before.Date,
            EnergyInterval.Week => WeekStart(DateOnly.FromDateTime(now)) != WeekStart(DateOnly.FromDateTime(before)),
            _ => now.Month != before.Month || now.Year != before.Year,
        };
    }
}
