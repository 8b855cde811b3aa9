
namespace SmartApi.Storage.Compliance;

public abstract class DeviceComplianceTests : StorageComplianceTests
{
    [Fact]
    public async Task InsertDevice_RoundTrip_KeepsEveryField()
    {
        var organization = await CreateOrganizationAsync();
        var device = NewDevice(organization.Id, "DT31-000123", new Dictionary<string, string> { ["room"] = "kitchen", ["floor"] = "1" }, online: true)
            with { Model = null };
        await WriteAsync(tx => tx.InsertDeviceAsync(device));

        var byId = await Store.GetDeviceAsync(organization.Id, device.Id, Token);
        var bySerial = await Store.FindDeviceBySerialAsync(organization.Id, "DT31-000123", Token);
        var inTransaction = await WriteAsync(tx => tx.GetDeviceAsync(organization.Id, device.Id));

        foreach (var found in new[] { byId, bySerial, inTransaction })
        {
            AssertSameDevice(device, found);
        }
    }

    [Fact]
    public async Task GetDevice_OtherOrganization_ReturnsNullEverywhere()
    {
        var owner = await CreateOrganizationAsync("Owner");
        var other = await CreateOrganizationAsync("Other");
        var device = await CreateDeviceAsync(owner.Id, "SN-1");

        Assert.Null(await Store.GetDeviceAsync(other.Id, device.Id, Token));
        Assert.Null(await Store.FindDeviceBySerialAsync(other.Id, "SN-1", Token));
        Assert.Null(await WriteAsync(tx => tx.GetDeviceAsync(other.Id, device.Id)));
        Assert.Empty((await Store.ListDevicesAsync(other.Id, new DeviceFilter(), new PageRequest(null, 10), Token)).Items);
    }

    [Fact]
    public async Task InsertDevice_SerialTakenInOrganization_ThrowsDuplicateKeyAndStoresNothing()
    {
        var organization = await CreateOrganizationAsync();
        var first = await CreateDeviceAsync(organization.Id, "SN-1");
        var second = NewDevice(organization.Id, "SN-1");

        await Assert.ThrowsAsync<DuplicateKeyException>(() => WriteAsync(tx => tx.InsertDeviceAsync(second)));

        Assert.Null(await Store.GetDeviceAsync(organization.Id, second.Id, Token));
        Assert.Equal(first.Id, (await Store.FindDeviceBySerialAsync(organization.Id, "SN-1", Token))!.Id);
    }

    [Fact]
    public async Task InsertDevice_SerialTakenInOtherOrganization_ThrowsDuplicateKeyAndStoresNothing()
    {
        // A serial is a device's MQTT identity (client id, user name, topics): unique across organizations.
        var first = await CreateOrganizationAsync("First");
        var second = await CreateOrganizationAsync("Second");
        var a = await CreateDeviceAsync(first.Id, "SN-1");
        var b = NewDevice(second.Id, "SN-1");

        await Assert.ThrowsAsync<DuplicateKeyException>(() => WriteAsync(tx => tx.InsertDeviceAsync(b)));

        Assert.Null(await Store.GetDeviceAsync(second.Id, b.Id, Token));
        Assert.Equal([a.Id], (await Store.FindDevicesBySerialAsync("SN-1", Token)).Select(d => d.Id));
    }

    [Fact]
    public async Task InsertDevice_SameSerialInTwoOrganizationsAtOnce_StoresExactlyOne()
    {
        var first = await CreateOrganizationAsync("First");
        var second = await CreateOrganizationAsync("Second");
        var devices = new[] { NewDevice(first.Id, "SN-RACE"), NewDevice(second.Id, "SN-RACE") };

        var outcomes = await Task.WhenAll(devices.Select(async device =>
        {
            try
            {
                await WriteAsync(tx => tx.InsertDeviceAsync(device));
                return true;
            }
            catch (DuplicateKeyException)
            {
                return false;
            }
        }));

        Assert.Single(outcomes, stored => stored);
        Assert.Single(await Store.FindDevicesBySerialAsync("SN-RACE", Token));
    }

    [Fact]
    public async Task InsertDevice_SerialOfADeletedDevice_SucceedsInAnotherOrganization()
    {
        var first = await CreateOrganizationAsync("First");
        var second = await CreateOrganizationAsync("Second");
        var old = await CreateDeviceAsync(first.Id, "SN-1");
        Assert.True(await WriteAsync(tx => tx.DeleteDeviceAsync(first.Id, old.Id)));

        var reused = await CreateDeviceAsync(second.Id, "SN-1");

        Assert.Equal([reused.Id], (await Store.FindDevicesBySerialAsync("SN-1", Token)).Select(d => d.Id));
    }

    [Fact]
    public async Task ListDevices_SeveralPages_ReturnsEachOnceInIdOrder()
    {
        var organization = await CreateOrganizationAsync();
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add((await CreateDeviceAsync(organization.Id)).Id);
        }

        var first = await Store.ListDevicesAsync(organization.Id, new DeviceFilter(), new PageRequest(null, 3), Token);
        var afterSecond = await Store.ListDevicesAsync(organization.Id, new DeviceFilter(), new PageRequest(ids[1], 100), Token);
        var all = await ReadAllPagesAsync(after => Store.ListDevicesAsync(organization.Id, new DeviceFilter(), new PageRequest(after, 3), Token), d => d.Id, 3);

        Assert.True(first.HasMore);
        Assert.Equal(ids.Take(3), first.Items.Select(d => d.Id));
        Assert.Equal(ids.Skip(2), afterSecond.Items.Select(d => d.Id));
        Assert.False(afterSecond.HasMore);
        Assert.Equal(ids, all.Select(d => d.Id));
    }

    [Fact]
    public async Task ListDevices_TagKeyOnly_ReturnsDevicesHavingTheKey()
    {
        var organization = await CreateOrganizationAsync();
        var kitchen = await CreateDeviceAsync(organization.Id, tags: new Dictionary<string, string> { ["room"] = "kitchen" });
        var office = await CreateDeviceAsync(organization.Id, tags: new Dictionary<string, string> { ["room"] = "office", ["floor"] = "2" });
        var emptyValue = await CreateDeviceAsync(organization.Id, tags: new Dictionary<string, string> { ["room"] = "" });
        await CreateDeviceAsync(organization.Id, tags: new Dictionary<string, string> { ["floor"] = "1" });
        await CreateDeviceAsync(organization.Id);

        Assert.Equal([kitchen.Id, office.Id, emptyValue.Id], await ListIdsAsync(organization.Id, new DeviceFilter(TagKey: "room")));
        Assert.Empty(await ListIdsAsync(organization.Id, new DeviceFilter(TagKey: "Room")));
    }

    [Fact]
    public async Task ListDevices_TagKeyAndValue_ReturnsExactMatchesOnly()
    {
        var organization = await CreateOrganizationAsync();
        var kitchen = await CreateDeviceAsync(organization.Id, tags: new Dictionary<string, string> { ["room"] = "kitchen" });
        await CreateDeviceAsync(organization.Id, tags: new Dictionary<string, string> { ["room"] = "kitchen2" });
        await CreateDeviceAsync(organization.Id, tags: new Dictionary<string, string> { ["room"] = "Kitchen" });
        await CreateDeviceAsync(organization.Id, tags: new Dictionary<string, string> { ["kitchen"] = "room" });
        var empty = await CreateDeviceAsync(organization.Id, tags: new Dictionary<string, string> { ["room"] = "" });

        Assert.Equal([kitchen.Id], await ListIdsAsync(organization.Id, new DeviceFilter(TagKey: "room", TagValue: "kitchen")));
        Assert.Equal([empty.Id], await ListIdsAsync(organization.Id, new DeviceFilter(TagKey: "room", TagValue: "")));
    }

    [Theory]
    [InlineData("note", "say \"hi\"")]
    [InlineData("note", "back\\slash")]
    [InlineData("note", "it's")]
    [InlineData("note", "%_*")]
    [InlineData("we\"ird", "x")]
    [InlineData("a.b", "dotted")]
    [InlineData("back\\slash", "y")]
    [InlineData("it's", "quote")]
    [InlineData("[0]", "brackets")]
    [InlineData("ключ", "значение")]
    public async Task ListDevices_TagWithSpecialCharacters_MatchesExactly(string key, string value)
    {
        var organization = await CreateOrganizationAsync();
        var match = await CreateDeviceAsync(organization.Id, tags: new Dictionary<string, string> { [key] = value, ["other"] = "1" });
        await CreateDeviceAsync(organization.Id, tags: new Dictionary<string, string> { [key + "x"] = value, ["x" + key] = value });
        await CreateDeviceAsync(organization.Id, tags: new Dictionary<string, string> { [key] = value + "x" });

        Assert.Equal([match.Id], await ListIdsAsync(organization.Id, new DeviceFilter(TagKey: key, TagValue: value)));
        Assert.Equal(2, (await ListIdsAsync(organization.Id, new DeviceFilter(TagKey: key))).Count);
    }

    [Fact]
    public async Task ListDevices_OnlineFilter_ReturnsMatchingDevices()
    {
        var organization = await CreateOrganizationAsync();
        var online = await CreateDeviceAsync(organization.Id, online: true, tags: new Dictionary<string, string> { ["room"] = "a" });
        var offline = await CreateDeviceAsync(organization.Id, online: false, tags: new Dictionary<string, string> { ["room"] = "a" });
        var onlineElsewhere = await CreateDeviceAsync(organization.Id, online: true, tags: new Dictionary<string, string> { ["room"] = "b" });

        Assert.Equal([online.Id, onlineElsewhere.Id], await ListIdsAsync(organization.Id, new DeviceFilter(Online: true)));
        Assert.Equal([offline.Id], await ListIdsAsync(organization.Id, new DeviceFilter(Online: false)));
        Assert.Equal([online.Id], await ListIdsAsync(organization.Id, new DeviceFilter(true, "room", "a")));
    }

    [Fact]
    public async Task CountDevices_Filters_CountWhatTheListReturnsInTheOrganizationOnly()
    {
        var organization = await CreateOrganizationAsync();
        var other = await CreateOrganizationAsync("Other");
        await CreateDeviceAsync(organization.Id, online: true, tags: new Dictionary<string, string> { ["room"] = "a" });
        await CreateDeviceAsync(organization.Id, online: false, tags: new Dictionary<string, string> { ["room"] = "a" });
        await CreateDeviceAsync(organization.Id, online: true, tags: new Dictionary<string, string> { ["room"] = "b" });
        await CreateDeviceAsync(organization.Id, online: false);
        await CreateDeviceAsync(other.Id, online: true, tags: new Dictionary<string, string> { ["room"] = "a" });

        Assert.Equal(4, await Store.CountDevicesAsync(organization.Id, new DeviceFilter(), Token));
        Assert.Equal(2, await Store.CountDevicesAsync(organization.Id, new DeviceFilter(Online: true), Token));
        Assert.Equal(2, await Store.CountDevicesAsync(organization.Id, new DeviceFilter(Online: false), Token));
        Assert.Equal(3, await Store.CountDevicesAsync(organization.Id, new DeviceFilter(TagKey: "room"), Token));
        Assert.Equal(2, await Store.CountDevicesAsync(organization.Id, new DeviceFilter(TagKey: "room", TagValue: "a"), Token));
        Assert.Equal(1, await Store.CountDevicesAsync(organization.Id, new DeviceFilter(true, "room", "a"), Token));
        Assert.Equal(0, await Store.CountDevicesAsync(organization.Id, new DeviceFilter(TagKey: "room", TagValue: "c"), Token));
        Assert.Equal(1, await Store.CountDevicesAsync(other.Id, new DeviceFilter(), Token));
    }

    [Fact]
    public async Task ListDevices_FilterWithPaging_PagesOverMatchesOnly()
    {
        var organization = await CreateOrganizationAsync();
        var matches = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            matches.Add((await CreateDeviceAsync(organization.Id, tags: new Dictionary<string, string> { ["room"] = "a" })).Id);
            await CreateDeviceAsync(organization.Id, tags: new Dictionary<string, string> { ["room"] = "b" });
        }
        var filter = new DeviceFilter(TagKey: "room", TagValue: "a");

        var all = await ReadAllPagesAsync(after => Store.ListDevicesAsync(organization.Id, filter, new PageRequest(after, 4), Token), d => d.Id, 4);

        Assert.Equal(matches, all.Select(d => d.Id));
    }

    [Fact]
    public async Task UpdateDevice_ChangedFields_AreStored()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id, "SN-1");
        var seen = Time.GetUtcNow().AddMinutes(3);
        var updated = device with
        {
            Name = "Kettle",
            Model = null,
            Tags = new Dictionary<string, string> { ["room"] = "office" },
            PowerOnState = "off",
            Online = true,
            LastSeenAt = seen,
            Switch = "on",
            UpdatedAt = seen,
        };

        await WriteAsync(tx => tx.UpdateDeviceAsync(updated));

        AssertSameDevice(updated, await Store.GetDeviceAsync(organization.Id, device.Id, Token));
        Assert.Equal([device.Id], await ListIdsAsync(organization.Id, new DeviceFilter(true, "room", "office")));
    }

    [Fact]
    public async Task UpdateDevice_OtherOrganization_ChangesNothing()
    {
        var owner = await CreateOrganizationAsync("Owner");
        var other = await CreateOrganizationAsync("Other");
        var device = await CreateDeviceAsync(owner.Id);

        await WriteAsync(tx => tx.UpdateDeviceAsync(device with { OrganizationId = other.Id, Name = "Hijacked" }));

        Assert.Equal(device.Name, (await Store.GetDeviceAsync(owner.Id, device.Id, Token))!.Name);
    }

    [Fact]
    public async Task DeleteDevice_Existing_RemovesItOnce()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id, "SN-1");
        var kept = await CreateDeviceAsync(organization.Id, "SN-2");

        Assert.True(await WriteAsync(tx => tx.DeleteDeviceAsync(organization.Id, device.Id)));
        Assert.False(await WriteAsync(tx => tx.DeleteDeviceAsync(organization.Id, device.Id)));

        Assert.Null(await Store.GetDeviceAsync(organization.Id, device.Id, Token));
        Assert.Null(await Store.FindDeviceBySerialAsync(organization.Id, "SN-1", Token));
        Assert.Equal([kept.Id], await ListIdsAsync(organization.Id, new DeviceFilter()));
    }

    [Fact]
    public async Task DeleteDevice_SerialFreed_CanBeReused()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id, "SN-1");
        await WriteAsync(tx => tx.DeleteDeviceAsync(organization.Id, device.Id));

        var again = await CreateDeviceAsync(organization.Id, "SN-1");

        Assert.Equal(again.Id, (await Store.FindDeviceBySerialAsync(organization.Id, "SN-1", Token))!.Id);
    }

    [Fact]
    public async Task DeleteDevice_OtherOrganization_ReturnsFalseAndKeepsDevice()
    {
        var owner = await CreateOrganizationAsync("Owner");
        var other = await CreateOrganizationAsync("Other");
        var device = await CreateDeviceAsync(owner.Id);

        Assert.False(await WriteAsync(tx => tx.DeleteDeviceAsync(other.Id, device.Id)));

        Assert.NotNull(await Store.GetDeviceAsync(owner.Id, device.Id, Token));
    }

    [Fact]
    public async Task DeleteDevice_WithMeasurementsAndCommands_RemovesThemToo()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);
        var kept = await CreateDeviceAsync(organization.Id);
        var ts = Time.GetUtcNow();
        var command = NewCommand(organization.Id, device.Id);
        var keptCommand = NewCommand(organization.Id, kept.Id);
        await WriteAsync(async tx =>
        {
            await tx.InsertMeasurementsAsync([
                new MeasurementRow(device.Id, new Measurement(ts, 10, null, null, null, 1), 1),
                new MeasurementRow(kept.Id, new Measurement(ts, 20, null, null, null, 2), 2)]);
            await tx.InsertCommandAsync(command);
            await tx.InsertCommandAsync(keptCommand);
        });

        await WriteAsync(tx => tx.DeleteDeviceAsync(organization.Id, device.Id));

        var range = (From: ts.AddDays(-1), To: ts.AddDays(1));
        Assert.Empty((await Store.ListMeasurementsAsync(device.Id, range.From, range.To, new PageRequest(null, 10), Token)).Items);
        Assert.Empty(await Store.AggregateMeasurementsAsync(device.Id, range.From, range.To, TimeSpan.FromHours(1), Token));
        Assert.Null(await Store.GetCommandAsync(organization.Id, device.Id, command.Id, Token));
        Assert.Empty((await Store.ListCommandsAsync(organization.Id, device.Id, new PageRequest(null, 10), Token)).Items);
        Assert.Single((await Store.ListMeasurementsAsync(kept.Id, range.From, range.To, new PageRequest(null, 10), Token)).Items);
        Assert.NotNull(await Store.GetCommandAsync(organization.Id, kept.Id, keptCommand.Id, Token));
    }

    private async Task<List<string>> ListIdsAsync(string organizationId, DeviceFilter filter) =>
        (await ReadAllPagesAsync(after => Store.ListDevicesAsync(organizationId, filter, new PageRequest(after, 100), Token), d => d.Id, 100))
            .Select(d => d.Id).ToList();

    private static void AssertSameDevice(Device expected, Device? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Id, actual.Id);
        Assert.Equal(expected.OrganizationId, actual.OrganizationId);
        Assert.Equal(expected.Serial, actual.Serial);
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.Model, actual.Model);
        Assert.Equal(expected.Tags.OrderBy(t => t.Key, StringComparer.Ordinal), actual.Tags.OrderBy(t => t.Key, StringComparer.Ordinal));
        Assert.Equal(expected.PowerOnState, actual.PowerOnState);
        Assert.Equal(expected.MqttPasswordHash, actual.MqttPasswordHash);
        Assert.Equal(expected.Online, actual.Online);
        Assert.Equal(expected.LastSeenAt, actual.LastSeenAt);
        Assert.Equal(expected.Switch, actual.Switch);
        Assert.Equal(expected.Latest, actual.Latest);
        Assert.Equal(expected.CreatedAt, actual.CreatedAt);
        Assert.Equal(expected.UpdatedAt, actual.UpdatedAt);
    }
}
