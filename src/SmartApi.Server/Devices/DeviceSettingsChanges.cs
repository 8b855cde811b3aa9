using SmartApi.Storage;

namespace SmartApi.Server.Devices;

/// <summary>
/// Committed device changes the MQTT gateway acts on: settings the device itself applies
/// (<c>powerOnState</c>), sent to it, and deletions, which end the device's MQTT session and clear
/// its retained messages.
/// </summary>
internal sealed class DeviceSettingsChanges
{
    public event EventHandler<Device>? Changed;

    /// <summary>Awaited by the deletion, so the session is gone once <c>DELETE</c> answers.</summary>
    public event Func<Device, Task>? Deleted;

    public void Raise(Device device) => Changed?.Invoke(this, device);

    public async Task RaiseDeletedAsync(Device device)
    {
        if (Deleted is { } deleted)
        {
            foreach (var handler in deleted.GetInvocationList().Cast<Func<Device, Task>>())
            {
                await handler(device);
            }
        }
    }
}
