namespace SmartApi.Server.Exports;

/// <summary>RFC 3339 timestamps with milliseconds, formatted by hand as UTF-8 (an export writes two per row).</summary>
internal static class Timestamps
{
    private const long MsPerDay = 86_400_000;
    // DateOnly's day number of 1970-01-01.
    private const int UnixEpochDayNumber = 719_162;

    /// <summary>Writes <c>yyyy-MM-ddTHH:mm:ss.fff</c> of a wall-clock time in unix milliseconds; returns the length (23).</summary>
    public static int Write(Span<byte> destination, long unixMs)
    {
        var days = Math.DivRem(unixMs, MsPerDay, out var msOfDay);
        if (msOfDay < 0)
        {
            days--;
            msOfDay += MsPerDay;
        }
        var (year, month, day) = DateOnly.FromDayNumber((int)(days + UnixEpochDayNumber));
        Digits(destination, year, 4);
        destination[4] = (byte)'-';
        Digits(destination[5..], month, 2);
        destination[7] = (byte)'-';
        Digits(destination[8..], day, 2);
        destination[10] = (byte)'T';
        var ms = (int)msOfDay;
        Digits(destination[11..], ms / 3_600_000, 2);
        destination[13] = (byte)':';
        Digits(destination[14..], ms / 60_000 % 60, 2);
        destination[16] = (byte)':';
        Digits(destination[17..], ms / 1000 % 60, 2);
        destination[19] = (byte)'.';
        Digits(destination[20..], ms % 1000, 3);
        return 23;
    }

    /// <summary>Writes <c>+hh:mm</c> or <c>-hh:mm</c> (RFC 3339 writes a zero offset as <c>+00:00</c> here, to say it is local); returns 6.</summary>
    public static int WriteOffset(Span<byte> destination, TimeSpan offset)
    {
        var minutes = (int)offset.TotalMinutes;
        destination[0] = minutes < 0 ? (byte)'-' : (byte)'+';
        minutes = Math.Abs(minutes);
        Digits(destination[1..], minutes / 60, 2);
        destination[3] = (byte)':';
        Digits(destination[4..], minutes % 60, 2);
        return 6;
    }

    private static void Digits(Span<byte> destination, int value, int count)
    {
        for (var i = count - 1; i >= 0; i--)
        {
            destination[i] = (byte)('0' + (value % 10));
            value /= 10;
        }
    }
}
