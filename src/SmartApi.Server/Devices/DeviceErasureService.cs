using SmartApi.Server.Events;
using SmartApi.Storage;
using SmartApi.Webhooks.Events;

namespace SmartApi.Server.Devices;

/// <summary>
/// <c>POST /v1/devices/{id}/erase</c> (ADR 042): deletes a device's measurements and blanks the payloads of its
/// events and deliveries, a batch per unit of work, then records who asked and emits <c>device.erased</c>.
/// </summary>
internal sealed partial class DeviceErasureService(
    ISmartApiStore store, IdGenerator ids, TimeProvider time, EventFactory events, ILogger<DeviceErasureService> logger)
{
    /// <summary>Rows per unit of work: small enough that ingestion and API writes queued behind a batch barely wait.</summary>
    public const int BatchSize = 500;

    /// <summary>The erasure's record, or null when the organization has no such device.</summary>
    public async Task<DeviceErasure?> EraseAsync(string organizationId, string deviceId, string apiKeyId, CancellationToken cancellationToken)
    {
        if (await store.GetDeviceAsync(organizationId, deviceId, cancellationToken) is null)
        {
            return null;
        }
        var at = time.GetUtcNow();
        long measurements = 0;
        int deleted;
        do
        {
            deleted = await store.WriteAsync(tx => tx.EraseDeviceMeasurementsAsync(deviceId, BatchSize), cancellationToken);
            measurements += deleted;
        }
        while (deleted > 0);

        long erasedEvents = 0, erasedDeliveries = 0, after = 0;
        while (true)
        {
            var from = after;
            var batch = await store.WriteAsync(tx => tx.EraseDeviceEventsAsync(organizationId, deviceId, from, at, BatchSize), cancellationToken);
            if (batch.LastPosition is not { } last)
            {
                break;
            }
            erasedEvents += batch.Events;
            erasedDeliveries += batch.Deliveries;
            after = last;
        }

        var erasure = new DeviceErasure(ids.New("era"), organizationId, deviceId, apiKeyId, at, measurements, erasedEvents, erasedDeliveries);
        var recorded = await store.WriteAsync(async tx =>
        {
            // The device may have been deleted meanwhile: its erasure is still recorded, without an event.
            if (await tx.GetDeviceAsync(organizationId, deviceId) is not null)
            {
                await tx.AppendEventAsync(events.Create(WebhookEventTypes.DeviceErased, organizationId,
                    new DeviceErasedData(deviceId, EventFactory.AssignedOnAppend, erasure.Id, apiKeyId)));
            }
            await tx.InsertDeviceErasureAsync(erasure);
            return erasure;
        }, cancellationToken);
        Log.Erased(logger, deviceId, organizationId, apiKeyId, measurements, erasedEvents, erasedDeliveries);
        return recorded;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = Infrastructure.LogEvents.DeviceErased, Level = LogLevel.Information,
            Message = "Device {DeviceId} of {OrganizationId} erased by {ApiKeyId}: {Measurements} measurement rows deleted, {Events} events and {Deliveries} deliveries blanked")]
        public static partial void Erased(ILogger logger, string deviceId, string organizationId, string apiKeyId, long measurements, long events, long deliveries);
    }
}
