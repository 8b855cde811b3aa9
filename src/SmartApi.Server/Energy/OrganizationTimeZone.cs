using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Energy;

/// <summary>The time zone an organization's local days and months are counted in.</summary>
internal static class OrganizationTimeZone
{
    /// <summary>The organization's IANA zone; UTC should the host's time zone database not know it.</summary>
    public static TimeZoneInfo Of(Organization organization) =>
        TimeZones.TryFind(organization.TimeZone, out var zone) ? zone : TimeZoneInfo.Utc;
}
