using SmartApi.Webhooks.Events;
using SmartApi.Server.Events;
using SmartApi.Server.Measurements;
using SmartApi.Storage;

namespace SmartApi.Server.Mqtt;

/// <summary>
/// What devices report, turned into device changes and events, each in one transaction with the
/// events it emits (so a switch, its command's outcome and their webhooks commit together).
/// </summary>
internal sealed class DeviceReports(ISmartApiStore store, EventFactory events, TimeProvider time, GatewayMetrics metrics, TelemetryIngestor ingestor)
{
    public static readonly HashSet<string> Sources = new HashSet<string>(StringComparer.Ordinal) { "button", "api", "automation", "schedule", "protection" };

    /// <summary>
    /// A state report. With a command id the command is acknowledged (or failed, with an error) and
    /// the switch takes the command's source; without one the device's own source (button, protection).
    /// False when the device no longer exists. A change of switch is stamped with the time it is
    /// handled (the device row keeps it for on-time, ADR 033) and, once committed, told to the ingestor.
    /// </summary>
    public async Task<bool> ApplyStateAsync(DeviceIdentity device, string state, string? source, string? commandId, string? error, CancellationToken cancellationToken)
    {
        var switched = false;
        var found = await store.WriteAsync(async tx =>
        {
            switched = false;
            var current = await tx.GetDeviceAsync(device.OrganizationId, device.DeviceId);
            if (current is null)
            {
                return false;
            }
            var now = time.GetUtcNow();
            var command = commandId is null ? null : await tx.FindCommandAsync(device.DeviceId, commandId);
            var effectiveSource = command is not null && error is null ? command.Source : source ?? "button";
            var followUp = default(NewEvent);
            if (command is not null)
            {
                var status = error is null ? "acknowledged" : "failed";
                if (await tx.CompleteCommandAsync(command.Id, status, error, now))
                {
                    metrics.Command(status);
                    followUp = events.Create(error is null ? WebhookEventTypes.CommandSucceeded : WebhookEventTypes.CommandFailed,
                        device.OrganizationId, new CommandData(device.DeviceId, EventFactory.AssignedOnAppend, command.Id, command.Action, error));
                }
            }
            if (state != current.Switch)
            {
                // The update reserves the device's next sequence number for the event appended right after it.
                // Only the columns a report owns: a name or tag edit committed since this read (another node) stays.
                await tx.UpdateDeviceSwitchAsync(current with { Switch = state, LastSeenAt = now, UpdatedAt = now });
                switched = true;
                await tx.AppendEventAsync(events.Create(WebhookEventTypes.DeviceSwitched, device.OrganizationId,
                    new DeviceSwitchedData(device.DeviceId, EventFactory.AssignedOnAppend, state, current.Switch, effectiveSource, command?.Id)));
            }
            if (followUp is not null)
            {
                await tx.AppendEventAsync(followUp);
            }
            return true;
        }, cancellationToken);
        if (switched)
        {
            ingestor.SwitchChanged(device.DeviceId);
        }
        return found;
    }

    public Task<bool> ButtonPressedAsync(DeviceIdentity device, string pressType, CancellationToken cancellationToken) =>
        AppendAsync(device, events.Create(WebhookEventTypes.DeviceButtonPressed, device.OrganizationId,
            new DeviceButtonPressedData(device.DeviceId, EventFactory.AssignedOnAppend, pressType)), cancellationToken);

    public Task<bool> OverloadAsync(DeviceIdentity device, string kind, double value, double limit, CancellationToken cancellationToken) =>
        AppendAsync(device, events.Create(WebhookEventTypes.DeviceOverload, device.OrganizationId,
            new DeviceOverloadData(device.DeviceId, EventFactory.AssignedOnAppend, kind, value, limit)), cancellationToken);

    /// <summary>
    /// The device connected: online at once if it was offline. If it is still marked online (it
    /// came back within the grace period) only <c>lastSeenAt</c> moves, which cancels the pending
    /// offline check, and no event is emitted.
    /// </summary>
    public Task<bool> ConnectedAsync(DeviceIdentity device, CancellationToken cancellationToken) =>
        store.WriteAsync(async tx =>
        {
            var current = await tx.GetDeviceAsync(device.OrganizationId, device.DeviceId);
            if (current is null)
            {
                return false;
            }
            var now = time.GetUtcNow();
            await tx.UpdateDevicePresenceAsync(current with { Online = true, LastSeenAt = now, UpdatedAt = now });
            if (!current.Online)
            {
                await tx.AppendEventAsync(events.Create(WebhookEventTypes.DeviceOnline, device.OrganizationId,
                    new DeviceConnectivityData(device.DeviceId, EventFactory.AssignedOnAppend, "connected", now)));
            }
            return true;
        }, cancellationToken);

    /// <summary>
    /// The grace period after a disconnect at <paramref name="disconnectedAt"/> ended: offline,
    /// unless the device was seen since (it reconnected, maybe through another node).
    /// </summary>
    public Task<bool> WentAwayAsync(DeviceIdentity device, DateTimeOffset disconnectedAt, string reason, CancellationToken cancellationToken) =>
        store.WriteAsync(async tx =>
        {
            var current = await tx.GetDeviceAsync(device.OrganizationId, device.DeviceId);
            if (current is not { Online: true } || current.LastSeenAt > disconnectedAt)
            {
                return false;
            }
            var now = time.GetUtcNow();
            // The read above may be stale: a reconnect committed since on another node keeps the device online.
            if (!await tx.UpdateDevicePresenceAsync(current with { Online = false, LastSeenAt = disconnectedAt, UpdatedAt = now }))
            {
                return false;
            }
            await tx.AppendEventAsync(events.Create(WebhookEventTypes.DeviceOffline, device.OrganizationId,
                new DeviceConnectivityData(device.DeviceId, EventFactory.AssignedOnAppend, reason, disconnectedAt)));
            return true;
        }, cancellationToken);

    private Task<bool> AppendAsync(DeviceIdentity device, NewEvent newEvent, CancellationToken cancellationToken) =>
        store.WriteAsync(async tx =>
        {
            // A deleted device's late messages are dropped rather than logged against nothing.
            if (await tx.GetDeviceAsync(device.OrganizationId, device.DeviceId) is null)
            {
                return false;
            }
            await tx.AppendEventAsync(newEvent);
            return true;
        }, cancellationToken);
}
