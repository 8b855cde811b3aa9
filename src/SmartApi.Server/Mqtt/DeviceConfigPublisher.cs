using System.Text.Json;
using SmartApi.Contracts;
using SmartApi.Server.Devices;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Mqtt;

/// <summary>
/// Sends <c>settings.powerOnState</c> to the device as the retained <c>devices/{serial}/config</c>
/// message when it changes through the API. The embedded broker also re-publishes it on every
/// connect (its retained store lives in memory); an external broker keeps it retained.
/// </summary>
internal sealed partial class DeviceConfigPublisher(
    DeviceSettingsChanges changes,
    MqttTransport transport,
    DeviceDirectory directory,
    ILogger<DeviceConfigPublisher> logger) : IHostedService
{
    public static byte[] Payload(string powerOnState) =>
        JsonSerializer.SerializeToUtf8Bytes(new DeviceConfig(powerOnState), DeviceProtocolJsonContext.Default.DeviceConfig);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        changes.Changed += OnChanged;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        changes.Changed -= OnChanged;
        return Task.CompletedTask;
    }

    private void OnChanged(object? sender, Device device)
    {
        directory.Forget(device.Serial);
        _ = PublishAsync(device);
    }

    private async Task PublishAsync(Device device)
    {
        try
        {
            if (!await transport.PublishAsync(DeviceTopics.For(device.Serial, DeviceTopics.Config), Payload(device.PowerOnState), retain: true, CancellationToken.None))
            {
                Log.NotSent(logger, device.Id, null);
            }
        }
        catch (Exception ex)
        {
            Log.NotSent(logger, device.Id, ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEvents.CommandConfigFailed, Level = LogLevel.Warning,
            Message = "Could not publish the settings of device {DeviceId} now; the embedded broker sends them on its next connect")]
        public static partial void NotSent(ILogger logger, string deviceId, Exception? exception);
    }
}
