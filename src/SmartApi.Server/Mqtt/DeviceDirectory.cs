using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using SmartApi.Server.ApiKeys;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Mqtt;

/// <summary>Who a connected device is: its id, organization and serial (its MQTT user name and topic root).</summary>
internal sealed record DeviceIdentity(string DeviceId, string OrganizationId, string Serial);

/// <summary>
/// Device credentials by serial, cached briefly: a fleet reconnecting after a broker restart costs
/// one lookup per device, not one per attempt. Only found devices are cached, so a device created a
/// moment ago can connect at once; a deleted one is refused once its entry ages out. Entries that
/// aged out are dropped at most once per cache duration, on a lookup, so a fleet that left does not
/// stay cached.
/// </summary>
internal sealed partial class DeviceDirectory(IDeviceStore store, TimeProvider time, IOptions<MqttOptions> options, ILogger<DeviceDirectory> logger)
{
    private readonly ConcurrentDictionary<string, Entry> _bySerial = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _serialById = new(StringComparer.Ordinal);
    // Moved by every Forget: a lookup that read the database before a deletion committed must not
    // cache its (stale) result after the deletion's Forget ran.
    private long _generation;
    // The lookups' turn to drop the entries that aged out, at most once per cache duration (UTC ticks).
    private PeriodicTurn _sweep;

    private sealed record Entry(IReadOnlyList<Device> Devices, DateTimeOffset ExpiresAt);

    /// <summary>The device whose serial and password these are, or null. The hash comparison is constant-time.</summary>
    public async ValueTask<Device?> AuthenticateAsync(string? serial, string? password, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(serial) || string.IsNullOrEmpty(password))
        {
            return null;
        }
        var devices = await LookupAsync(serial, cancellationToken);
        var hash = ApiKeySecrets.Hash(password);
        Device? match = null;
        foreach (var device in devices)
        {
            // Serials are unique, so there is at most one candidate; every one is compared anyway.
            if (CryptographicOperations.FixedTimeEquals(device.MqttPasswordHash, hash))
            {
                match = device;
            }
        }
        return match;
    }

    /// <summary>
    /// The device a topic's serial names (external broker mode: the broker authenticated it).
    /// Serials are unique across organizations (migration 0008); should a store ever return several,
    /// the serial is ambiguous and resolves to nothing rather than to a guess.
    /// </summary>
    public async ValueTask<DeviceIdentity?> ResolveAsync(string serial, CancellationToken cancellationToken)
    {
        var devices = await LookupAsync(serial, cancellationToken);
        if (devices.Count > 1)
        {
            Log.AmbiguousSerial(logger, serial, devices.Count);
            return null;
        }
        return devices.Count == 1 ? Identity(devices[0]) : null;
    }

    /// <summary>A device's serial (it never changes), for publishing to its topics.</summary>
    public async ValueTask<string?> SerialOfAsync(string organizationId, string deviceId, CancellationToken cancellationToken)
    {
        if (_serialById.TryGetValue(deviceId, out var serial))
        {
            return serial;
        }
        var device = await store.GetDeviceAsync(organizationId, deviceId, cancellationToken);
        if (device is not null)
        {
            _serialById[deviceId] = device.Serial;
        }
        return device?.Serial;
    }

    /// <summary>Drops a serial's cached entry (its settings changed).</summary>
    public void Forget(string serial)
    {
        Interlocked.Increment(ref _generation);
        _bySerial.TryRemove(serial, out _);
    }

    /// <summary>A deleted device: its credentials and serial are no longer cached.</summary>
    public void Forget(Device device)
    {
        Forget(device.Serial);
        _serialById.TryRemove(device.Id, out _);
    }

    public DeviceIdentity Identity(Device device)
    {
        _serialById[device.Id] = device.Serial;
        return new DeviceIdentity(device.Id, device.OrganizationId, device.Serial);
    }

    /// <summary>Serials cached.</summary>
    internal int Count => _bySerial.Count;

    private async ValueTask<IReadOnlyList<Device>> LookupAsync(string serial, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        SweepAgedOut(now);
        if (_bySerial.TryGetValue(serial, out var entry) && entry.ExpiresAt > now)
        {
            return entry.Devices;
        }
        var generation = Interlocked.Read(ref _generation);
        var devices = await store.FindDevicesBySerialAsync(serial, cancellationToken);
        if (devices.Count > 0 && Interlocked.Read(ref _generation) == generation)
        {
            _bySerial[serial] = new Entry(devices, now + options.Value.CredentialCacheDuration);
        }
        else if (devices.Count == 0)
        {
            _bySerial.TryRemove(serial, out _);
        }
        return devices;
    }

    private void SweepAgedOut(DateTimeOffset now)
    {
        if (!_sweep.TryTake(now.UtcTicks, options.Value.CredentialCacheDuration.Ticks))
        {
            return;
        }
        foreach (var entry in _bySerial)
        {
            if (entry.Value.ExpiresAt <= now)
            {
                _bySerial.TryRemove(entry); // only if not replaced meanwhile
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEvents.MqttAmbiguousSerial, Level = LogLevel.Warning,
            Message = "Serial {Serial} belongs to {Count} devices in different organizations; its messages are ignored in external broker mode")]
        public static partial void AmbiguousSerial(ILogger logger, string serial, int count);
    }
}
