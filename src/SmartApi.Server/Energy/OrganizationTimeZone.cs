using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Energy;

/// <summary>The time zone an organization's local days and months are counted in (statistics, exports, budgets, daily reports).</summary>
internal static class OrganizationTimeZone
{
    /// <summary>The organization's IANA zone; UTC should the host's time zone database not know it.</summary>
    public static TimeZoneInfo Of(Organization organization) =>
        TimeZones.TryFind(organization.TimeZone, out var zone) ? zone : TimeZoneInfo.Utc;

    /// <summary>
    /// The zone a request names in <c>timeZone</c> (an IANA id, else an error at <c>timeZone</c>), or the
    /// organization's when it names none.
    /// </summary>
    public static async Task<TimeZoneInfo> ForRequestAsync(
        string? timeZone, IOrganizationStore organizations, string organizationId, ValidationErrors errors, CancellationToken cancellationToken)
    {
        if (timeZone is null)
        {
            return await OfAsync(organizations, organizationId, cancellationToken);
        }
        if (!TimeZones.TryFindIana(timeZone, out var zone))
        {
            errors.Add("timeZone", TimeZones.InvalidMessage);
        }
        return zone;
    }

    /// <summary>The zone of the organization with id <paramref name="organizationId"/>; UTC if it is gone.</summary>
    private static async Task<TimeZoneInfo> OfAsync(IOrganizationStore organizations, string organizationId, CancellationToken cancellationToken) =>
        await organizations.GetOrganizationAsync(organizationId, cancellationToken) is { } organization ? Of(organization) : TimeZoneInfo.Utc;
}
