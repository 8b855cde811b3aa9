namespace SmartApi.Storage;

// What the MQTT device gateway needs: device lookup by serial (authentication), commands claimed
// with a lease and moved through their statuses, and the hourly energy report.

public partial interface ISmartApiStore
{
    /// <summary>
    /// The device with this serial, in any organization (a serial is a device's MQTT user name). Serials
    /// are unique across organizations, so the list holds at most one device.
    /// </summary>
    Task<IReadOnlyList<Device>> FindDevicesBySerialAsync(string serial, CancellationToken cancellationToken = default);

    /// <summary>Devices currently marked online, in every organization (the gateway re-checks them after a restart).</summary>
    Task<IReadOnlyList<DeviceRef>> ListOnlineDevicesAsync(CancellationToken cancellationToken = default);

    /// <summary>The start of the latest hour whose energy was reported, if any.</summary>
    Task<DateTimeOffset?> GetLastEnergyReportAsync(CancellationToken cancellationToken = default);
}

public partial interface IStoreTransaction
{
    /// <summary>
    /// Leases up to <paramref name="limit"/> pending, unexpired commands to <paramref name="owner"/>
    /// until <paramref name="leaseUntil"/>, in id order. Only commands of <paramref name="deviceIds"/>
    /// are claimed, or, when it is null, of devices marked online. A command whose lease lapsed
    /// (its publisher died) is claimable again.
    /// </summary>
    ValueTask<IReadOnlyList<Command>> ClaimCommandsAsync(string owner, DateTimeOffset now, DateTimeOffset leaseUntil, int limit, IReadOnlyCollection<string>? deviceIds);

    /// <summary>Moves pending commands to <c>delivered</c> and clears their lease; returns how many moved.</summary>
    ValueTask<int> MarkCommandsDeliveredAsync(IReadOnlyList<string> ids, DateTimeOffset now);

    /// <summary>A device's command by id, whatever its organization (the gateway knows the device, not the caller).</summary>
    ValueTask<Command?> FindCommandAsync(string deviceId, string id);

    /// <summary>
    /// Finishes a pending or delivered command with <paramref name="status"/> (<c>acknowledged</c>,
    /// <c>failed</c>); false when it was already finished.
    /// </summary>
    ValueTask<bool> CompleteCommandAsync(string id, string status, string? error, DateTimeOffset now);

    /// <summary>Marks up to <paramref name="limit"/> pending or delivered commands whose time ran out as <c>expired</c> and returns them as they are now.</summary>
    ValueTask<IReadOnlyList<Command>> ExpireCommandsAsync(DateTimeOffset now, int limit);

    /// <summary>Claims the report of the hour starting at <paramref name="periodStart"/>; false when another node or run already did.</summary>
    ValueTask<bool> TryClaimEnergyReportAsync(DateTimeOffset periodStart, DateTimeOffset now);

    /// <summary>Energy consumed per device with <c>from &lt;= ts &lt; to</c>, for devices with samples in that range.</summary>
    ValueTask<IReadOnlyList<DeviceEnergyTotal>> SumEnergyAsync(DateTimeOffset from, DateTimeOffset to);
}

/// <summary>A device's id with its organization.</summary>
public sealed record DeviceRef(string Id, string OrganizationId);

/// <summary>Energy a device consumed in a period.</summary>
public sealed record DeviceEnergyTotal(string DeviceId, string OrganizationId, double EnergyWh);
