using SmartApi.Storage;

namespace SmartApi.Server.Devices;

/// <summary>Raised after a committed change of settings the device itself applies (<c>powerOnState</c>); the MQTT gateway sends them.</summary>
internal sealed class DeviceSettingsChanges
{
    public event EventHandler<Device>? Changed;

    public void Raise(Device device) => Changed?.Invoke(this, device);
}
