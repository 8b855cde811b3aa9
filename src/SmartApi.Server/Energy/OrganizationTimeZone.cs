using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Energy;

/// <summary>The time zone an organization's local days and months are counted in (statistics, exports, budgets, daily reports).</summary>
internal static class OrganizationTimeZone
{
    /// <summary>The organization's IANA zone; UTC should the host's time zone database not know it.</summary>
    public static TimeZoneInfo Of(Organization organization) =>
        TimeZones.TryFind(organization.TimeZone, out var zone) ? zone : TimeZoneInfo.Utc;

    /// <summary>The zone of the organization with id <paramref name="organizationId"/>; UTC if it is gone.</summary>
    public static async Task<TimeZoneInfo> OfAsync(IOrganizationStore organizations, string organizationId, CancellationToken cancellationToken) =>
        await organizations.GetOrganizationAsync(organizationId, cancellationToken) is { } organization ? Of(organization) : TimeZoneInfo.Utc;
}
