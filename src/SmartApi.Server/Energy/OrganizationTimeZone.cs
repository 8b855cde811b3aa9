using SmartApi.Storage;

namespace SmartApi.Server.Energy;

/// <summary>The time zone an organization's local days and months are counted in.</summary>
internal static class OrganizationTimeZone
{
    /// <summary>The organization's zone; UTC until organizations carry one.</summary>
    public static TimeZoneInfo Of(Organization organization)
    {
        _ = organization;
        return TimeZoneInfo.Utc;
    }
}
