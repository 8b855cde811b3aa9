using SmartApi.Storage;

namespace SmartApi.Server.Exports;

/// <summary>The zone of an export's local-time column when the request names none.</summary>
internal static class ExportTimeZone
{
    /// <summary>
    /// The organization's own zone. Organizations have no zone yet, so this is UTC; when they do, this one
    /// function reads it (the store is passed for that).
    /// </summary>
    public static Task<TimeZoneInfo> ForOrganizationAsync(IOrganizationStore organizations, string organizationId, CancellationToken cancellationToken)
    {
        _ = (organizations, organizationId, cancellationToken);
        return Task.FromResult(TimeZoneInfo.Utc);
    }
}
