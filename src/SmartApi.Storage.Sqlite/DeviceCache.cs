namespace SmartApi.Storage.Sqlite;

/// <summary>
/// The writer's copy of the device rows it has read, so that a change (read, update, append) does
/// not read the row back through SQLite and Dapper every time: that read was a fifth of the writer's
/// time per event. Valid because the writer is the only connection that writes, and kept exact:
/// <list type="bullet">
/// <item>SQLite's update hook on the writer connection (<see cref="RowChangeHook"/>) drops everything when any statement other
/// than <see cref="SqliteStoreTransaction.UpdateDeviceAsync"/> and the gateway's targeted updates inserts, updates or deletes a device
/// row (energy state, deletes, statements added later), so nothing has to remember the cache;</item>
/// <item>an update stores what SQLite now holds: the columns it wrote (times at millisecond
/// precision, as read back) over the row read before;</item>
/// <item>the writer drops everything when a transaction or a unit rolls back, and when
/// <c>PRAGMA data_version</c> shows a commit by another connection.</item>
/// </list>
/// </summary>
internal sealed class DeviceCache
{
    private const int MaxDevices = 20_000;
    private readonly Dictionary<string, Device> _devices = new(StringComparer.Ordinal);

    public void Clear() => _devices.Clear();

    public Device? Get(string organizationId, string id) =>
        _devices.TryGetValue(id, out var device) && device.OrganizationId == organizationId ? device : null;

    public void Add(Device device)
    {
        if (_devices.Count >= MaxDevices)
        {
            _devices.Clear();
        }
        _devices[device.Id] = device;
    }

    /// <summary>Set while the writer runs <c>UpdateDevice</c>: the hook ignores the row change it makes.</summary>
    public bool OwnUpdate { get; set; }

    /// <summary>After <c>UpdateDevice</c> changed the row: the cached row with the written columns.</summary>
    public void Updated(Device written)
    {
        if (!_devices.TryGetValue(written.Id, out var before) || before.OrganizationId != written.OrganizationId)
        {
            return;
        }
        var tags = ReferenceEquals(written.Tags, before.Tags) ? before.Tags : Copy(written.Tags);
        if (tags is null || HasSurrogates(written.Name) || HasSurrogates(written.Model) || HasSurrogates(written.Switch) || HasSurrogates(written.PowerOnState))
        {
            // Lone surrogates come back from SQLite as U+FFFD: let the next read see what is stored.
            _devices.Remove(written.Id);
            return;
        }
        _devices[written.Id] = before with
        {
            Name = written.Name,
            Model = written.Model,
            Tags = tags,
            PowerOnState = written.PowerOnState,
            Online = written.Online,
            LastSeenAt = Ms.ToTime(Ms.Of(written.LastSeenAt)),
            Switch = written.Switch,
            UpdatedAt = Ms.ToTime(Ms.Of(written.UpdatedAt)),
        };
    }

    /// <summary>After <c>UpdateDeviceSwitch</c> changed the row: the cached row with the switch and times written.</summary>
    public void SwitchUpdated(Device written)
    {
        if (!_devices.TryGetValue(written.Id, out var before) || before.OrganizationId != written.OrganizationId)
        {
            return;
        }
        if (HasSurrogates(written.Switch))
        {
            _devices.Remove(written.Id);
            return;
        }
        _devices[written.Id] = before with
        {
            Switch = written.Switch,
            LastSeenAt = Ms.ToTime(Ms.Of(written.LastSeenAt)),
            UpdatedAt = Ms.ToTime(Ms.Of(written.UpdatedAt)),
        };
    }

    /// <summary>After <c>UpdateDevicePresence</c> changed the row: online and last seen written, updated-at only if online changed.</summary>
    public void PresenceUpdated(Device written)
    {
        if (!_devices.TryGetValue(written.Id, out var before) || before.OrganizationId != written.OrganizationId)
        {
            return;
        }
        _devices[written.Id] = before with
        {
            Online = written.Online,
            LastSeenAt = Ms.ToTime(Ms.Of(written.LastSeenAt)),
            UpdatedAt = before.Online == written.Online ? before.UpdatedAt : Ms.ToTime(Ms.Of(written.UpdatedAt)),
        };
    }

    // A copy: the caller may still change its dictionary, the cache must not.
    private static Dictionary<string, string>? Copy(IReadOnlyDictionary<string, string> tags)
    {
        var copy = new Dictionary<string, string>(tags.Count);
        foreach (var (key, value) in tags)
        {
            if (HasSurrogates(key) || HasSurrogates(value))
            {
                return null;
            }
            copy[key] = value;
        }
        return copy;
    }

    private static bool HasSurrogates(string? value) => value is not null && value.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') >= 0;

    /// <summary>A device row changed on the writer connection (<see cref="RowChangeHook"/>).</summary>
    public void RowChanged()
    {
        if (!OwnUpdate)
        {
            _devices.Clear();
        }
    }
}
