namespace SmartApi.Storage;

/// <summary>Devices: by organization for the API, by serial and presence for the MQTT gateway.</summary>
public interface IDeviceStore
{
    Task<Device?> GetDeviceAsync(string organizationId, string id, CancellationToken cancellationToken = default);
    Task<Device?> FindDeviceBySerialAsync(string organizationId, string serial, CancellationToken cancellationToken = default);
    Task<PageResult<Device>> ListDevicesAsync(string organizationId, DeviceFilter filter, PageRequest page, CancellationToken cancellationToken = default);

    /// <summary>How many of the organization's devices match <paramref name="filter"/> (the list's filters), in one query.</summary>
    Task<long> CountDevicesAsync(string organizationId, DeviceFilter filter, CancellationToken cancellationToken = default);

    /// <summary>The organization's devices among <paramref name="ids"/>, in id order, in one query; ids of no device of the organization are left out.</summary>
    Task<IReadOnlyList<Device>> GetDevicesAsync(string organizationId, IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default);

    /// <summary>
    /// The device with this serial, in any organization (a serial is a device's MQTT user name). Serials
    /// are unique across organizations, so the list holds at most one device.
    /// </summary>
    Task<IReadOnlyList<Device>> FindDevicesBySerialAsync(string serial, CancellationToken cancellationToken = default);

    /// <summary>Devices currently marked online, in every organization (the gateway re-checks them after a restart).</summary>
    Task<IReadOnlyList<DeviceRef>> ListOnlineDevicesAsync(CancellationToken cancellationToken = default);
}

/// <summary>Changes to devices inside a write transaction.</summary>
public interface IDeviceTransaction
{
    /// <exception cref="DuplicateKeyException">The serial is already used, in any organization (serials are unique across organizations).</exception>
    ValueTask InsertDeviceAsync(Device device);
    ValueTask<Device?> GetDeviceAsync(string organizationId, string id);
    /// <summary>
    /// Updates a device. It also takes the device's next event sequence number, which the next
    /// <see cref="IEventTransaction.AppendEventAsync"/> for that device in the same unit of work uses: a change and
    /// its event cost one row update. (An update without an event leaves a gap in the sequence.)
    /// </summary>
    /// <remarks>
    /// Every column is written from <paramref name="device"/>: only for a caller that owns the whole row. A write
    /// from a read that a concurrent unit (on another node) may have overtaken uses one of the targeted updates below.
    /// </remarks>
    ValueTask UpdateDeviceAsync(Device device);
    /// <summary>
    /// Writes what a state report owns: the switch (with the time and the state it left, when it changes),
    /// <c>LastSeenAt</c> and <c>UpdatedAt</c>, and takes the next sequence number as <see cref="UpdateDeviceAsync"/> does.
    /// Name, tags, power-on state and online keep what is stored, so a report based on a read that a concurrent
    /// edit has since overtaken cannot write back the old name or tags.
    /// </summary>
    ValueTask UpdateDeviceSwitchAsync(Device device);
    /// <summary>
    /// Writes what a connect or disconnect owns: <c>Online</c> and <c>LastSeenAt</c>, and <c>UpdatedAt</c> only when
    /// <c>Online</c> changes; takes the next sequence number as <see cref="UpdateDeviceAsync"/> does. Every other
    /// column keeps what is stored.
    /// A disconnect (<c>Online</c> false, <c>LastSeenAt</c> = when it left) is written only while the stored device is
    /// online and not seen after that time, so a reconnect committed since the caller's read (on another node) wins.
    /// False when nothing was written (and no sequence number was taken).
    /// </summary>
    ValueTask<bool> UpdateDevicePresenceAsync(Device device);
    /// <summary>
    /// Writes only what a user edits (name, tags, power-on state) and <c>UpdatedAt</c>, and takes the next sequence
    /// number as <see cref="UpdateDeviceAsync"/> does. The switch, online and last-seen columns keep what is stored,
    /// so an edit based on a read that a concurrent switch report has since overtaken cannot write back the old state.
    /// </summary>
    ValueTask UpdateDeviceSettingsAsync(Device device);
    ValueTask<bool> DeleteDeviceAsync(string organizationId, string id);

    /// <summary>Replaces the device's MQTT password hash (new credentials); false when there is no such device.</summary>
    ValueTask<bool> SetDevicePasswordHashAsync(string organizationId, string id, byte[] hash, DateTimeOffset at);

    /// <summary>
    /// The ids of the organization's devices that carry the tag <paramref name="tagKey"/> (with the value
    /// <paramref name="tagValue"/>, or any value when it is null), in id order, at most <paramref name="limit"/>.
    /// </summary>
    ValueTask<IReadOnlyList<string>> ListDeviceIdsByTagAsync(string organizationId, string tagKey, string? tagValue, int limit);

    /// <summary>Which of <paramref name="ids"/> are devices of the organization, in id order (another organization's device is not).</summary>
    ValueTask<IReadOnlyList<string>> FindDeviceIdsAsync(string organizationId, IReadOnlyCollection<string> ids);
}

/// <summary>A device's id with its organization.</summary>
public sealed record DeviceRef(string Id, string OrganizationId);
