namespace SmartApi.Server.Infrastructure;

/// <summary>IANA time zones, as the host's time zone database knows them (the one source for schedules, conditions and statistics).</summary>
internal static class TimeZones
{
    /// <summary>Finds an IANA zone such as <c>Europe/Zurich</c>; false (and UTC) for an empty, overlong or unknown id.</summary>
    public static bool TryFind(string? id, out TimeZoneInfo zone)
    {
        zone = TimeZoneInfo.Utc;
        if (string.IsNullOrWhiteSpace(id) || id.Length > 64)
        {
            return false;
        }
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return false;
        }
    }
}
