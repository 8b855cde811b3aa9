using Microsoft.Extensions.Options;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Mqtt;

/// <summary>
/// Online/offline with a debounce. A connect makes an offline device online at once; a disconnect
/// starts a grace period (TimeProvider timer) and the device goes offline only if it has not come
/// back when it ends. A device that drops and reconnects every few seconds therefore emits nothing
/// instead of a storm of online/offline pairs. The check at the end of the grace period reads the
/// database (was the device seen since it left?), so it holds across nodes sharing an external
/// broker; the embedded broker also knows whether the device is connected to it right now.
/// </summary>
internal sealed partial class DevicePresence(
    DeviceReports reports,
    IDeviceStore store,
    TimeProvider time,
    IOptions<MqttOptions> options,
    ILogger<DevicePresence> logger) : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, int> _connections = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ITimer> _pendingOffline = new(StringComparer.Ordinal);
    private readonly List<Task> _checks = [];

    /// <summary>Whether the device has a live session on this node's embedded broker.</summary>
    public bool IsConnected(string deviceId)
    {
        lock (_lock)
        {
            return _connections.GetValueOrDefault(deviceId) > 0;
        }
    }

    /// <summary>A session of the device started (embedded broker) or it announced itself online (external broker).</summary>
    public async Task ConnectedAsync(DeviceIdentity device, bool trackSession, CancellationToken cancellationToken)
    {
        bool cameBack;
        lock (_lock)
        {
            if (trackSession)
            {
                _connections[device.DeviceId] = _connections.GetValueOrDefault(device.DeviceId) + 1;
            }
            cameBack = _pendingOffline.Remove(device.DeviceId, out var timer);
            timer?.Dispose();
        }
        // Back within the grace period on this node: still online in the database, nothing to write.
        if (!cameBack || !trackSession)
        {
            await reports.ConnectedAsync(device, cancellationToken);
        }
    }

    /// <summary>A session ended (embedded) or the device's will said offline (external): offline after the grace period.</summary>
    public void Disconnected(DeviceIdentity device, string reason, bool trackSession)
    {
        var at = time.GetUtcNow();
        lock (_lock)
        {
            if (trackSession)
            {
                var left = _connections.GetValueOrDefault(device.DeviceId) - 1;
                if (left > 0)
                {
                    _connections[device.DeviceId] = left; // a takeover: the newer session lives on
                    return;
                }
                _connections.Remove(device.DeviceId);
            }
            ScheduleLocked(device, at, reason);
        }
    }

    /// <summary>After a restart of the embedded broker, devices still marked online get the grace period to reconnect.</summary>
    public async Task RecheckOnlineDevicesAsync(CancellationToken cancellationToken)
    {
        var at = time.GetUtcNow();
        var online = await store.ListOnlineDevicesAsync(cancellationToken);
        lock (_lock)
        {
            foreach (var device in online)
            {
                if (_connections.GetValueOrDefault(device.Id) == 0 && !_pendingOffline.ContainsKey(device.Id))
                {
                    ScheduleLocked(new DeviceIdentity(device.Id, device.OrganizationId, ""), at, "server_restart");
                }
            }
        }
    }

    /// <summary>Waits for offline checks already started (tests step a fake clock, then wait for the effect).</summary>
    public Task IdleAsync()
    {
        lock (_lock)
        {
            _checks.RemoveAll(t => t.IsCompleted);
            return Task.WhenAll(_checks);
        }
    }

    private void ScheduleLocked(DeviceIdentity device, DateTimeOffset at, string reason)
    {
        _pendingOffline.Remove(device.DeviceId, out var previous);
        previous?.Dispose();
        var grace = options.Value.OfflineGracePeriod;
        ITimer? timer = null;
        timer = time.CreateTimer(_ =>
        {
            lock (_lock)
            {
                if (!_pendingOffline.TryGetValue(device.DeviceId, out var current) || !ReferenceEquals(current, timer))
                {
                    return; // cancelled by a reconnect meanwhile
                }
                _pendingOffline.Remove(device.DeviceId);
                current.Dispose();
                _checks.Add(CheckAsync(device, at, reason));
            }
        }, null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _pendingOffline[device.DeviceId] = timer;
        // Armed only once stored, so a zero grace period cannot fire before the timer is known.
        timer.Change(grace, Timeout.InfiniteTimeSpan);
    }

    private async Task CheckAsync(DeviceIdentity device, DateTimeOffset disconnectedAt, string reason)
    {
        await Task.Yield();
        try
        {
            if (!IsConnected(device.DeviceId))
            {
                await reports.WentAwayAsync(device, disconnectedAt, reason, CancellationToken.None);
            }
        }
        catch (Exception ex)
        {
            Log.PresenceFailed(logger, device.DeviceId, ex);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var timer in _pendingOffline.Values)
            {
                timer.Dispose();
            }
            _pendingOffline.Clear();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEvents.MqttPresenceFailed, Level = LogLevel.Error, Message = "Could not record that device {DeviceId} went offline")]
        public static partial void PresenceFailed(ILogger logger, string deviceId, Exception exception);
    }
}
