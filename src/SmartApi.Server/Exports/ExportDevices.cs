using SmartApi.Server.Devices;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Exports;

/// <summary>The devices an export reads: an id list (at most <see cref="MaxIds"/>) or every device with a tag.</summary>
internal static class ExportDevices
{
    public const int MaxIds = 1_000;

    /// <summary>Checks the selection's shape; adds errors for <c>deviceId</c> and <c>tag</c>. Returns the parsed tag, if valid.</summary>
    public static TagSelector? Validate(string[]? deviceIds, string? tag, ValidationErrors errors)
    {
        var hasIds = deviceIds is { Length: > 0 };
        if (hasIds == tag is not null)
        {
            errors.Add(hasIds ? "tag" : "deviceId", "Select devices with deviceId (repeated, 1-1000 ids) or with tag=key:value, not both.");
            return null;
        }
        if (hasIds)
        {
            if (deviceIds!.Length > MaxIds)
            {
                errors.Add("deviceId", $"At most {MaxIds} deviceId values; select more devices with a tag.");
            }
            if (deviceIds.Any(id => !IdGenerator.IsWellFormed(id, "dev")))
            {
                errors.Add("deviceId", "Every deviceId must be a device id (dev_...).");
            }
            return null;
        }
        return DeviceValidation.Tag(tag, "tag", errors);
    }

    /// <summary>
    /// The devices of the id list, or with <paramref name="tag"/> (as <see cref="Validate"/> parsed it) in id order;
    /// null with the first unknown id when an id names no device of the organization.
    /// </summary>
    public static async Task<(IReadOnlyList<Device>? Devices, string? Unknown)> ResolveAsync(
        IDeviceStore devices, string organizationId, string[]? deviceIds, TagSelector? tag, CancellationToken cancellationToken)
    {
        if (tag is null)
        {
            // One query for the whole list, however many ids.
            var distinct = deviceIds!.Distinct(StringComparer.Ordinal).ToArray();
            var found = await devices.GetDevicesAsync(organizationId, distinct, cancellationToken);
            if (found.Count < distinct.Length)
            {
                var known = found.Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
                return (null, distinct.First(id => !known.Contains(id)));
            }
            return (found, null);
        }
        var selected = await devices.ListAllDevicesAsync(organizationId, new DeviceFilter(TagKey: tag.Key, TagValue: tag.Value), cancellationToken);
        return (selected, null);
    }
}
