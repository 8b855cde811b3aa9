using SmartApi.Server.Devices;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Mqtt;

/// <summary>
/// When a device is deleted, its serial is free for any organization: the gateway forgets its
/// cached credentials, ends its MQTT session and clears its retained messages, so a device
/// registered later under the same serial never inherits the old one's session, state or config.
/// </summary>
internal sealed partial class DeviceRemoval(
    DeviceSettingsChanges changes,
    MqttTransport transport,
    DeviceDirectory directory,
    ILogger<DeviceRemoval> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        changes.Deleted += OnDeletedAsync;
        changes.CredentialsRotated += OnRotatedAsync;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        changes.Deleted -= OnDeletedAsync;
        changes.CredentialsRotated -= OnRotatedAsync;
        return Task.CompletedTask;
    }

    private async Task OnDeletedAsync(Device device)
    {
        // First, so the device cannot authenticate again from the cache once disconnected.
        directory.Forget(device);
        try
        {
            await transport.RemoveDeviceAsync(device.Serial, CancellationToken.None);
        }
        catch (Exception ex)
        {
            // The deletion is committed either way; the embedded broker also clears a serial's
            // retained messages when another device of that serial connects.
            Log.RemovalFailed(logger, device.Id, device.Serial, ex);
        }
    }

    private async Task OnRotatedAsync(Device device)
    {
        // First, so a reconnect with the old password finds no cached hash on this node.
        directory.Forget(device.Serial);
        try
        {
            await transport.EndSessionAsync(device.Serial, CancellationToken.None);
        }
        catch (Exception ex)
        {
            // The rotation is committed; the old password is refused at the next connect either way.
            Log.RemovalFailed(logger, device.Id, device.Serial, ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEvents.MqttRemovalFailed, Level = LogLevel.Warning,
            Message = "Could not end the MQTT session or clear the retained messages of deleted device {DeviceId} ({Serial})")]
        public static partial void RemovalFailed(ILogger logger, string deviceId, string serial, Exception exception);
    }
}
