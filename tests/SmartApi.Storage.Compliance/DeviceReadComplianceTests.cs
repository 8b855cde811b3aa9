namespace SmartApi.Storage.Compliance;

/// <summary>
/// A device read inside a unit sees the row as stored after every earlier unit, committed or rolled
/// back, whatever the provider remembers between units (SQLite's writer keeps the rows it read); and a write
/// from a read that another unit has since overtaken changes only the columns that write owns.
/// </summary>
public abstract class DeviceReadComplianceTests : StorageComplianceTests
{
    private sealed class Rollback : Exception;

    private Task<Device?> ReadInUnitAsync(Device device) => WriteAsync(tx => tx.GetDeviceAsync(device.OrganizationId, device.Id));

    /// <summary>Everything the row holds, with tags as text (records compare dictionaries by reference).</summary>
    private static object? Stored(Device? d) =>
        d is null ? null : (d.Id, d.OrganizationId, d.Serial, d.Name, d.Model, string.Join(',', d.Tags.OrderBy(t => t.Key, StringComparer.Ordinal)),
            d.PowerOnState, Convert.ToHexString(d.MqttPasswordHash), d.Online, d.LastSeenAt, d.Switch, d.Latest, d.CreatedAt, d.UpdatedAt);

    [Fact]
    public async Task GetDevice_AfterAnUpdateInAnEarlierUnit_ReadsWhatIsStored()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);
        await ReadInUnitAsync(device);
        // Sub-millisecond times and a dictionary the caller changes afterwards: neither is what is stored.
        var tags = new Dictionary<string, string> { ["room"] = "kitchen" };
        var at = Time.GetUtcNow().AddTicks(1234);
        var updated = device with { Name = "Kettle", Model = null, Tags = tags, Online = true, LastSeenAt = at, Switch = "on", UpdatedAt = at };

        await WriteAsync(tx => tx.UpdateDeviceAsync(updated));
        tags["room"] = "hall";
        var read = await ReadInUnitAsync(device);

        Assert.Equal(Stored(await Store.GetDeviceAsync(organization.Id, device.Id, Token)), Stored(read));
        Assert.Equal(("Kettle", "kitchen"), (read!.Name, read.Tags["room"]));
    }

    [Fact]
    public async Task UpdateDeviceSettings_FromAReadASwitchReportOvertook_KeepsTheStoredSwitchOnlineAndLastSeen()
    {
        var organization = await CreateOrganizationAsync();
        var stale = await CreateDeviceAsync(organization.Id);
        await ReadInUnitAsync(stale);
        var seen = Time.GetUtcNow().AddMinutes(1);
        await WriteAsync(tx => tx.UpdateDeviceAsync(stale with { Online = true, LastSeenAt = seen, Switch = "on", UpdatedAt = seen }));
        var edited = Time.GetUtcNow().AddMinutes(2);

        await WriteAsync(tx => tx.UpdateDeviceSettingsAsync(stale with
        {
            Name = "Kettle", Tags = new Dictionary<string, string> { ["room"] = "kitchen" }, PowerOnState = "on", UpdatedAt = edited,
        }));
        var read = await ReadInUnitAsync(stale);

        Assert.Equal(Stored(await Store.GetDeviceAsync(organization.Id, stale.Id, Token)), Stored(read));
        Assert.Equal(("Kettle", "kitchen", "on", edited), (read!.Name, read.Tags["room"], read.PowerOnState, read.UpdatedAt));
        Assert.Equal((true, seen, "on"), (read.Online, read.LastSeenAt, read.Switch));
    }

    // Read, other write, write: the MQTT report's read, a PATCH of name and tags committed (on another node), then the report's write.
    [Fact]
    public async Task UpdateDeviceSwitch_FromAReadASettingsEditOvertook_KeepsNameTagsAndPowerOnState()
    {
        var organization = await CreateOrganizationAsync();
        var stale = await ReadInUnitAsync(await CreateDeviceAsync(organization.Id));
        var edited = Time.GetUtcNow().AddMinutes(1);
        await WriteAsync(tx => tx.UpdateDeviceSettingsAsync(stale! with
        {
            Name = "Kettle", Tags = new Dictionary<string, string> { ["room"] = "kitchen" }, PowerOnState = "on", UpdatedAt = edited,
        }));
        var switched = Time.GetUtcNow().AddMinutes(2);

        await WriteAsync(tx => tx.UpdateDeviceSwitchAsync(stale! with { Switch = "on", LastSeenAt = switched, UpdatedAt = switched }));
        var read = await ReadInUnitAsync(stale!);

        Assert.Equal(Stored(await Store.GetDeviceAsync(organization.Id, stale!.Id, Token)), Stored(read));
        Assert.Equal(("Kettle", "kitchen", "on"), (read!.Name, read.Tags["room"], read.PowerOnState));
        Assert.Equal(("on", switched, switched, stale.Online), (read.Switch, read.LastSeenAt, read.UpdatedAt, read.Online));
    }

    [Fact]
    public async Task UpdateDevicePresence_FromAReadASettingsEditOvertook_KeepsNameAndTags()
    {
        var organization = await CreateOrganizationAsync();
        var stale = (await ReadInUnitAsync(await CreateDeviceAsync(organization.Id)))!;
        var edited = Time.GetUtcNow().AddMinutes(1);
        await WriteAsync(tx => tx.UpdateDeviceSettingsAsync(stale with
        {
            Name = "Kettle", Tags = new Dictionary<string, string> { ["room"] = "kitchen" }, UpdatedAt = edited,
        }));
        var connected = Time.GetUtcNow().AddMinutes(2);

        await WriteAsync(tx => tx.UpdateDevicePresenceAsync(stale with { Online = true, LastSeenAt = connected, UpdatedAt = connected }));
        var online = await ReadInUnitAsync(stale);
        // A reconnect while still online moves only last seen.
        var again = Time.GetUtcNow().AddMinutes(3);
        await WriteAsync(tx => tx.UpdateDevicePresenceAsync(stale with { Online = true, LastSeenAt = again, UpdatedAt = again }));
        var reconnected = await ReadInUnitAsync(stale);
        var gone = Time.GetUtcNow().AddMinutes(4);
        await WriteAsync(tx => tx.UpdateDevicePresenceAsync(stale with { Online = false, LastSeenAt = again, UpdatedAt = gone }));
        var offline = await ReadInUnitAsync(stale);

        Assert.Equal(("Kettle", "kitchen", true, connected, connected), (online!.Name, online.Tags["room"], online.Online, online.LastSeenAt, online.UpdatedAt));
        Assert.Equal(("Kettle", true, again, connected), (reconnected!.Name, reconnected.Online, reconnected.LastSeenAt, reconnected.UpdatedAt));
        Assert.Equal(Stored(await Store.GetDeviceAsync(organization.Id, stale.Id, Token)), Stored(offline));
        Assert.Equal(("Kettle", "kitchen", false, again, gone), (offline!.Name, offline.Tags["room"], offline.Online, offline.LastSeenAt, offline.UpdatedAt));
    }

    // Read, other write, write: the end of a grace period reads the device online, a reconnect commits (on another node), then the disconnect's write.
    [Fact]
    public async Task UpdateDevicePresence_OfflineFromAReadAReconnectOvertook_WritesNothingAndTheDeviceStaysOnline()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);
        var connected = Time.GetUtcNow().AddMinutes(1);
        await WriteAsync(tx => tx.UpdateDevicePresenceAsync(device with { Online = true, LastSeenAt = connected, UpdatedAt = connected }));
        var disconnectedAt = Time.GetUtcNow().AddMinutes(2);
        var stale = (await ReadInUnitAsync(device))!;
        var reconnected = Time.GetUtcNow().AddMinutes(3);
        await WriteAsync(tx => tx.UpdateDevicePresenceAsync(stale with { Online = true, LastSeenAt = reconnected, UpdatedAt = reconnected }));

        var overtaken = await WriteAsync(tx => tx.UpdateDevicePresenceAsync(stale with { Online = false, LastSeenAt = disconnectedAt, UpdatedAt = Time.GetUtcNow().AddMinutes(4) }));
        var read = await ReadInUnitAsync(device);
        // Its own disconnect, later, is written once: a second end of grace (another node's) finds it offline already.
        var left = Time.GetUtcNow().AddMinutes(5);
        var gone = Time.GetUtcNow().AddMinutes(6);
        var first = await WriteAsync(tx => tx.UpdateDevicePresenceAsync(read! with { Online = false, LastSeenAt = left, UpdatedAt = gone }));
        var second = await WriteAsync(tx => tx.UpdateDevicePresenceAsync(read! with { Online = false, LastSeenAt = left, UpdatedAt = gone.AddMinutes(1) }));
        var offline = await Store.GetDeviceAsync(organization.Id, device.Id, Token);

        Assert.False(overtaken);
        Assert.Equal((true, reconnected), (read!.Online, read.LastSeenAt));
        Assert.Equal((true, false), (first, second));
        Assert.Equal((false, left, gone), (offline!.Online, offline.LastSeenAt, offline.UpdatedAt));
    }

    // The other order: the PATCH's read, a switch report committed, then the PATCH's write.
    [Fact]
    public async Task UpdateDeviceSettings_FromAReadATargetedSwitchOvertook_KeepsTheSwitch()
    {
        var organization = await CreateOrganizationAsync();
        var stale = (await ReadInUnitAsync(await CreateDeviceAsync(organization.Id)))!;
        var switched = Time.GetUtcNow().AddMinutes(1);
        await WriteAsync(async tx =>
        {
            await tx.UpdateDevicePresenceAsync(stale with { Online = true, LastSeenAt = switched, UpdatedAt = switched });
            await tx.UpdateDeviceSwitchAsync(stale with { Switch = "on", LastSeenAt = switched, UpdatedAt = switched });
        });

        await WriteAsync(tx => tx.UpdateDeviceSettingsAsync(stale with { Name = "Kettle", UpdatedAt = Time.GetUtcNow().AddMinutes(2) }));
        var read = await ReadInUnitAsync(stale);

        Assert.Equal(Stored(await Store.GetDeviceAsync(organization.Id, stale.Id, Token)), Stored(read));
        Assert.Equal(("Kettle", "on", true, switched), (read!.Name, read.Switch, read.Online, read.LastSeenAt));
    }

    [Fact]
    public async Task TargetedDeviceUpdates_OtherOrganization_ChangeNothing()
    {
        var owner = await CreateOrganizationAsync("Owner");
        var other = await CreateOrganizationAsync("Other");
        var device = await CreateDeviceAsync(owner.Id);
        var before = Stored(await Store.GetDeviceAsync(owner.Id, device.Id, Token));
        var at = Time.GetUtcNow().AddMinutes(1);

        await WriteAsync(async tx =>
        {
            await tx.UpdateDeviceSwitchAsync(device with { OrganizationId = other.Id, Switch = "on", LastSeenAt = at, UpdatedAt = at });
            await tx.UpdateDevicePresenceAsync(device with { OrganizationId = other.Id, Online = true, LastSeenAt = at, UpdatedAt = at });
        });

        Assert.Equal(before, Stored(await Store.GetDeviceAsync(owner.Id, device.Id, Token)));
    }

    [Fact]
    public async Task UpdateDeviceSettings_OtherOrganization_ChangesNothing()
    {
        var owner = await CreateOrganizationAsync("Owner");
        var other = await CreateOrganizationAsync("Other");
        var device = await CreateDeviceAsync(owner.Id);

        await WriteAsync(tx => tx.UpdateDeviceSettingsAsync(device with { OrganizationId = other.Id, Name = "Hijacked" }));

        Assert.Equal(device.Name, (await Store.GetDeviceAsync(owner.Id, device.Id, Token))!.Name);
    }

    [Fact]
    public async Task GetDevice_AfterOtherWritesToTheRow_ReadsThem()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);
        await ReadInUnitAsync(device);
        var latest = new Measurement(Time.GetUtcNow(), 42.5, 230, 0.2, 21, 1500.25);

        Assert.True(await WriteAsync(tx => tx.SetEnergyStateAsync(device.Id, 1500.25, 88.5, latest, expectedLatestTs: null, expectedSwitchChangedAt: null)));
        var read = await ReadInUnitAsync(device);

        Assert.Equal(latest, read!.Latest);
        Assert.Equal(Stored(await Store.GetDeviceAsync(organization.Id, device.Id, Token)), Stored(read));
        await WriteAsync(tx => tx.DeleteDeviceAsync(organization.Id, device.Id));
        Assert.Null(await ReadInUnitAsync(device));
    }

    [Fact]
    public async Task GetDevice_AfterARolledBackUpdate_ReadsTheRowBeforeIt()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);
        await ReadInUnitAsync(device);

        await Assert.ThrowsAsync<Rollback>(() => WriteAsync(async tx =>
        {
            await tx.UpdateDeviceAsync(device with { Name = "Never stored" });
            Assert.Equal("Never stored", (await tx.GetDeviceAsync(organization.Id, device.Id))!.Name);
            throw new Rollback();
        }));

        Assert.Equal("Coffee machine", (await ReadInUnitAsync(device))!.Name);
    }

    [Fact]
    public async Task GetDevice_OfAnotherOrganization_ReadsNothingEvenAfterReadingIt()
    {
        var organization = await CreateOrganizationAsync();
        var other = await CreateOrganizationAsync("Other");
        var device = await CreateDeviceAsync(organization.Id);
        await ReadInUnitAsync(device);

        Assert.Null(await WriteAsync(tx => tx.GetDeviceAsync(other.Id, device.Id)));
        await WriteAsync(tx => tx.UpdateDeviceAsync(device with { OrganizationId = other.Id, Name = "Hijacked" }));
        Assert.Equal("Coffee machine", (await ReadInUnitAsync(device))!.Name);
    }
}
