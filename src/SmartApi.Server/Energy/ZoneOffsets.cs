namespace SmartApi.Server.Energy;

/// <summary>
/// A zone's UTC offset, asked once per UTC day: when the offsets at the day's first and last
/// quarter hour agree, the whole day has that offset (no zone changes its offset twice within a
/// day); on a transition day each instant asks the zone itself. For walks in time order.
/// </summary>
internal struct ZoneOffsets(TimeZoneInfo zone)
{
    private const long TicksPerQuarter = TimeSpan.TicksPerMinute * 15;
    private long _dayStart = long.MinValue;
    private long _offset;
    private bool _uniform;

    /// <summary>The offset in ticks at the UTC instant <paramref name="utcTicks"/>.</summary>
    public long OffsetTicks(long utcTicks)
    {
        var dayStart = utcTicks - (utcTicks % TimeSpan.TicksPerDay);
        if (dayStart != _dayStart)
        {
            _dayStart = dayStart;
            _offset = Offset(dayStart);
            _uniform = _offset == Offset(dayStart + TimeSpan.TicksPerDay - TicksPerQuarter);
        }
        return _uniform ? _offset : Offset(utcTicks);
    }

    /// <summary>The offset at the instant <paramref name="unixMs"/> (milliseconds since the Unix epoch).</summary>
    public TimeSpan At(long unixMs) => TimeSpan.FromTicks(OffsetTicks(DateTime.UnixEpoch.Ticks + (unixMs * TimeSpan.TicksPerMillisecond)));

    private readonly long Offset(long utcTicks) => zone.GetUtcOffset(new DateTime(utcTicks, DateTimeKind.Utc)).Ticks;
}
