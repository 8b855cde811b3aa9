using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Devices;

internal static class DeviceListing
{
    /// <summary>Every device of the organization matching <paramref name="filter"/>, in id order, read in pages of the largest size.</summary>
    public static async Task<List<Device>> ListAllDevicesAsync(
        this IDeviceStore store, string organizationId, DeviceFilter filter, CancellationToken cancellationToken = default)
    {
        var devices = new List<Device>();
        string? after = null;
        do
        {
            var page = await store.ListDevicesAsync(organizationId, filter, new PageRequest(after, Paging.MaxLimit), cancellationToken);
            devices.AddRange(page.Items);
            after = page.HasMore && page.Items.Count > 0 ? page.Items[^1].Id : null;
        }
        while (after is not null);
        return devices;
    }
}
