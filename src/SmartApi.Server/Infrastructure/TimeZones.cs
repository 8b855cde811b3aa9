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

    /// <summary>Like <see cref="TryFind"/>, but only an IANA id (not a Windows one) is accepted: what the API takes and stores.</summary>
    public static bool TryFindIana(string? id, out TimeZoneInfo zone) => TryFind(id, out zone) && zone.HasIanaId;

    /// <summary>The error a request's <c>timeZone</c> gets when <see cref="TryFindIana"/> fails.</summary>
    public const string InvalidMessage = "timeZone must be an IANA time zone such as Europe/Zurich or UTC.";
}
