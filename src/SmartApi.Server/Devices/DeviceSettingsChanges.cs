using SmartApi.Storage;

namespace SmartApi.Server.Devices;

/// <summary>
/// Committed device changes the MQTT gateway acts on: settings the device itself applies
/// (<c>powerOnState</c>), sent to it, and deletions, which end the device's MQTT session and clear
/// its retained messages, and credential rotations, which end a session opened with the old password.
/// </summary>
internal sealed class DeviceSettingsChanges
{
    public event EventHandler<Device>? Changed;

    /// <summary>Awaited by the deletion, so the session is gone once <c>DELETE</c> answers.</summary>
    public event Func<Device, Task>? Deleted;

    /// <summary>Awaited by the rotation, so a session opened with the old password is gone once it answers.</summary>
    public event Func<Device, Task>? CredentialsRotated;

    public void Raise(Device device) => Changed?.Invoke(this, device);

    public Task RaiseDeletedAsync(Device device) => RaiseAsync(Deleted, device);

    public Task RaiseCredentialsRotatedAsync(Device device) => RaiseAsync(CredentialsRotated, device);

    private static async Task RaiseAsync(Func<Device, Task>? handlers, Device device)
    {
        if (handlers is not null)
        {
            foreach (var handler in handlers.GetInvocationList().Cast<Func<Device, Task>>())
            {
                await handler(device);
            }
        }
    }
}
