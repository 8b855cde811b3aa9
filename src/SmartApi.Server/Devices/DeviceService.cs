using SmartApi.Webhooks.Events;
using System.Security.Cryptography;
using System.Text.Json;
using SmartApi.Contracts;
using SmartApi.Server.ApiKeys;
using SmartApi.Server.Events;
using SmartApi.Server.Mqtt.Provisioning;
using SmartApi.Storage;
using Microsoft.Extensions.Options;

namespace SmartApi.Server.Devices;

/// <summary>Device changes, each committed together with the event it emits.</summary>
internal sealed partial class DeviceService(
    ISmartApiStore store, IdGenerator ids, TimeProvider time, EventFactory events, IOptions<CommandOptions> options,
    DeviceSettingsChanges? settingsChanges = null, BrokerAccounts? brokerAccounts = null)
{
    public async Task<(Device Device, DeviceCredentials Credentials)> CreateAsync(string organizationId, CreateDeviceRequest request, CancellationToken cancellationToken)
    {
        var password = ApiKeySecrets.Base64Url(RandomNumberGenerator.GetBytes(32));
        var now = time.GetUtcNow();
        var device = new Device(
            ids.New("dev"), organizationId, request.Serial!, request.Name!.Trim(), request.Model?.Trim(),
            request.Tags ?? [], (request.Settings?.PowerOnState ?? PowerOnState.Last).ToWire(),
            ApiKeySecrets.Hash(password),
            Online: false, LastSeenAt: null, Switch: "unknown", Latest: null, now, now);
        var created = events.Create(WebhookEventTypes.DeviceCreated, organizationId,
            new DeviceChangedData(device.Id, EventFactory.AssignedOnAppend, device.Serial, device.Name, NoChanges));
        await store.WriteAsync(async tx =>
        {
            await tx.InsertDeviceAsync(device);
            await tx.AppendEventAsync(created);
            if (brokerAccounts is not null)
            {
                await brokerAccounts.SetPasswordAsync(tx, device.Serial, password);
            }
            return true;
        }, cancellationToken);
        brokerAccounts?.Committed();
        return (device, new DeviceCredentials(device.Serial, password));
    }

    /// <summary>Applies a merge patch; emits <c>device.updated</c> only when something changed.</summary>
    public async Task<Device?> UpdateAsync(string organizationId, string id, UpdateDeviceRequest request, CancellationToken cancellationToken)
    {
        var powerOnChanged = false;
        var device = await store.WriteAsync<Device?>(async tx =>
        {
            var device = await tx.GetDeviceAsync(organizationId, id);
            if (device is null)
            {
                return null;
            }
            var changes = new Dictionary<string, WebhookFieldChange>(StringComparer.Ordinal);
            var updated = device;
            if (request.Name is { } name && name.Trim() != device.Name)
            {
                changes["name"] = Change(device.Name, SmartApiJsonContext.Default.String);
                updated = updated with { Name = name.Trim() };
            }
            if (request.Tags is { } patch)
            {
                var tags = new Dictionary<string, string>(device.Tags, StringComparer.Ordinal);
                foreach (var (key, value) in patch)
                {
                    if (value is null)
                    {
                        tags.Remove(key);
                    }
                    else
                    {
                        tags[key] = value;
                    }
                }
                if (tags.Count != device.Tags.Count || tags.Any(t => !device.Tags.TryGetValue(t.Key, out var v) || v != t.Value))
                {
                    changes["tags"] = Change(device.Tags, SmartApiJsonContext.Default.IReadOnlyDictionaryStringString);
                    updated = updated with { Tags = tags };
                }
            }
            if (request.Settings?.PowerOnState is { } powerOn && powerOn.ToWire() != device.PowerOnState)
            {
                changes["settings.powerOnState"] = Change(device.PowerOnState, SmartApiJsonContext.Default.String);
                updated = updated with { PowerOnState = powerOn.ToWire() };
                powerOnChanged = true;
            }
            if (changes.Count == 0)
            {
                return device;
            }
            if (updated.Tags.Count > DeviceValidation.MaxTags)
            {
                throw new TooManyTagsException();
            }
            updated = updated with { UpdatedAt = time.GetUtcNow() };
            // Only the edited columns: on PostgreSQL a switch report may have committed since the read above.
            await tx.UpdateDeviceSettingsAsync(updated);
            await tx.AppendEventAsync(events.Create(WebhookEventTypes.DeviceUpdated, organizationId,
                new DeviceChangedData(id, EventFactory.AssignedOnAppend, updated.Serial, updated.Name, changes)));
            return updated;
        }, cancellationToken);
        if (powerOnChanged && device is not null)
        {
            // After the commit: the device is told only what is stored.
            settingsChanges?.Raise(device);
        }
        return device;
    }

    public async Task<bool> DeleteAsync(string organizationId, string id, CancellationToken cancellationToken)
    {
        var deleted = await store.WriteAsync<Device?>(async tx =>
        {
            var device = await tx.GetDeviceAsync(organizationId, id);
            if (device is null)
            {
                return null;
            }
            // The event goes first: it takes the device's next sequence number from the row.
            await tx.AppendEventAsync(events.Create(WebhookEventTypes.DeviceDeleted, organizationId,
                new DeviceChangedData(id, EventFactory.AssignedOnAppend, device.Serial, device.Name, NoChanges)));
            if (!await tx.DeleteDeviceAsync(organizationId, id))
            {
                return null;
            }
            if (brokerAccounts is not null)
            {
                await brokerAccounts.RemoveAsync(tx, device.Serial);
            }
            return device;
        }, cancellationToken);
        if (deleted is null)
        {
            return false;
        }
        brokerAccounts?.Committed();
        // After the commit: end the old device's session and clear its retained messages, so the
        // serial's next owner (any organization) gets none of them. The embedded broker checks
        // again at connect, for a re-registration racing this.
        if (settingsChanges is not null)
        {
            await settingsChanges.RaiseDeletedAsync(deleted);
        }
        return true;
    }

    /// <summary>
    /// New MQTT credentials: a new password whose hash replaces the old one, so the old password
    /// stops working (and, with provisioning, the broker's account follows in the same commit's job).
    /// <c>device.credentials_rotated</c> records <paramref name="apiKeyId"/> as the one who asked.
    /// Null when there is no such device.
    /// </summary>
    public async Task<DeviceCredentials?> RotateCredentialsAsync(string organizationId, string id, string apiKeyId, CancellationToken cancellationToken)
    {
        var password = ApiKeySecrets.Base64Url(RandomNumberGenerator.GetBytes(32));
        var rotated = await store.WriteAsync<Device?>(async tx =>
        {
            var device = await tx.GetDeviceAsync(organizationId, id);
            if (device is null)
            {
                return null;
            }
            var at = time.GetUtcNow();
            // The event goes first, as on delete: it takes the device's next sequence number from the row.
            await tx.AppendEventAsync(events.Create(WebhookEventTypes.DeviceCredentialsRotated, organizationId,
                new DeviceCredentialsRotatedData(id, EventFactory.AssignedOnAppend, device.Serial, at, apiKeyId)));
            if (!await tx.SetDevicePasswordHashAsync(organizationId, id, ApiKeySecrets.Hash(password), at))
            {
                return null;
            }
            if (brokerAccounts is not null)
            {
                await brokerAccounts.SetPasswordAsync(tx, device.Serial, password);
            }
            return device;
        }, cancellationToken);
        if (rotated is null)
        {
            return null;
        }
        brokerAccounts?.Committed();
        if (settingsChanges is not null)
        {
            // After the commit: the gateway forgets the cached hash and ends a session opened with the old password.
            await settingsChanges.RaiseCredentialsRotatedAsync(rotated);
        }
        return new DeviceCredentials(rotated.Serial, password);
    }

    /// <summary>Stores a switch command as pending; the MQTT gateway delivers it. <paramref name="origin"/> defaults to the API.</summary>
    public Task<Command?> SwitchAsync(string organizationId, string deviceId, SwitchAction action, CancellationToken cancellationToken, CommandOrigin? origin = null) =>
        store.WriteAsync(tx => StoreCommandAsync(tx, organizationId, deviceId, action.ToWire(), origin ?? CommandOrigin.Api), cancellationToken);

    /// <summary>Stores a pending switch command inside a unit of work (automations act in the unit that records their run).</summary>
    public async ValueTask<Command?> StoreCommandAsync(IStoreTransaction tx, string organizationId, string deviceId, string state, CommandOrigin origin)
    {
        if (await tx.GetDeviceAsync(organizationId, deviceId) is null)
        {
            return null;
        }
        var command = NewCommand(organizationId, deviceId, state, origin, time.GetUtcNow(), batchId: null);
        await tx.InsertCommandAsync(command);
        return command;
    }

    private static readonly IReadOnlyDictionary<string, WebhookFieldChange> NoChanges = System.Collections.ObjectModel.ReadOnlyDictionary<string, WebhookFieldChange>.Empty;

    private static WebhookFieldChange Change<T>(T previous, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo) =>
        new(JsonSerializer.SerializeToElement(previous, typeInfo));
}

internal sealed class TooManyTagsException() : Exception($"A device can have at most {DeviceValidation.MaxTags} tags.");

/// <summary>Who issues a command: the API, or an automation (source <c>automation</c> or <c>schedule</c>) at a depth of its chain.</summary>
internal sealed record CommandOrigin(string Source, string? AutomationId, int Depth)
{
    public static readonly CommandOrigin Api = new("api", null, 0);
}
