namespace SmartApi.Storage.Compliance;

/// <summary>
/// A device read inside a unit sees the row as stored after every earlier unit, committed or rolled
/// back, whatever the provider remembers between units (SQLite's writer keeps the rows it read).
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
