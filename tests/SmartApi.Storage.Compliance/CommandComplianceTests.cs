
namespace SmartApi.Storage.Compliance;

public abstract class CommandComplianceTests : StorageComplianceTests
{
    [Fact]
    public async Task InsertCommand_RoundTrip_KeepsEveryField()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);
        var command = NewCommand(organization.Id, device.Id) with { Status = "failed", Error = "device_offline" };
        await WriteAsync(tx => tx.InsertCommandAsync(command));

        Assert.Equal(command, await Store.GetCommandAsync(organization.Id, device.Id, command.Id, Token));
    }

    [Fact]
    public async Task InsertCommand_FromAnAutomation_KeepsItsOrigin()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);
        var command = NewCommand(organization.Id, device.Id) with { Source = "automation", AutomationId = Ids.New("aut"), Depth = 2 };
        await WriteAsync(tx => tx.InsertCommandAsync(command));

        var stored = await Store.GetCommandAsync(organization.Id, device.Id, command.Id, Token);

        Assert.Equal(("automation", command.AutomationId, 2), (stored!.Source, stored.AutomationId, stored.Depth));
    }

    [Fact]
    public async Task GetCommand_OtherOrganizationOrDevice_ReturnsNull()
    {
        var owner = await CreateOrganizationAsync("Owner");
        var other = await CreateOrganizationAsync("Other");
        var device = await CreateDeviceAsync(owner.Id);
        var otherDevice = await CreateDeviceAsync(owner.Id);
        var command = NewCommand(owner.Id, device.Id);
        await WriteAsync(tx => tx.InsertCommandAsync(command));

        Assert.Null(await Store.GetCommandAsync(other.Id, device.Id, command.Id, Token));
        Assert.Null(await Store.GetCommandAsync(owner.Id, otherDevice.Id, command.Id, Token));
        Assert.Null(await Store.GetCommandAsync(owner.Id, device.Id, Ids.New("cmd"), Token));
        Assert.Empty((await Store.ListCommandsAsync(other.Id, device.Id, new PageRequest(null, 10), Token)).Items);
        Assert.Empty((await Store.ListCommandsAsync(owner.Id, otherDevice.Id, new PageRequest(null, 10), Token)).Items);
    }

    [Fact]
    public async Task ListCommands_SeveralPages_ReturnsTheDevicesCommandsInIdOrder()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);
        var otherDevice = await CreateDeviceAsync(organization.Id);
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var command = NewCommand(organization.Id, device.Id);
            var noise = NewCommand(organization.Id, otherDevice.Id);
            await WriteAsync(async tx =>
            {
                await tx.InsertCommandAsync(command);
                await tx.InsertCommandAsync(noise);
            });
            ids.Add(command.Id);
        }

        var first = await Store.ListCommandsAsync(organization.Id, device.Id, new PageRequest(null, 2), Token);
        var all = await ReadAllPagesAsync(after => Store.ListCommandsAsync(organization.Id, device.Id, new PageRequest(after, 2), Token), c => c.Id, 2);
        var exact = await Store.ListCommandsAsync(organization.Id, device.Id, new PageRequest(null, 5), Token);

        Assert.True(first.HasMore);
        Assert.Equal(ids, all.Select(c => c.Id));
        Assert.Equal(5, exact.Items.Count);
        Assert.False(exact.HasMore);
    }

    [Fact]
    public async Task InsertCommands_OneBatch_ListBatchCommandsReturnsExactlyItsCommandsInIdOrder()
    {
        var organization = await CreateOrganizationAsync();
        var other = await CreateOrganizationAsync("Other");
        var devices = new List<Device>();
        for (var i = 0; i < 3; i++)
        {
            devices.Add(await CreateDeviceAsync(organization.Id));
        }
        var batchId = Ids.New("cmb");
        var batch = devices.Select(d => NewCommand(organization.Id, d.Id) with { BatchId = batchId, State = "off" }).ToList();
        var single = NewCommand(organization.Id, devices[0].Id);
        var otherBatch = NewCommand(organization.Id, devices[1].Id) with { BatchId = Ids.New("cmb") };
        await WriteAsync(async tx =>
        {
            await tx.InsertCommandsAsync(batch);
            await tx.InsertCommandAsync(single);
            await tx.InsertCommandsAsync([otherBatch]);
            await tx.InsertCommandsAsync([]);
        });

        Assert.Equal(batch, await Store.ListBatchCommandsAsync(organization.Id, batchId, Token));
        Assert.Equal(batch[2], await Store.GetCommandAsync(organization.Id, devices[2].Id, batch[2].Id, Token));
        Assert.Empty(await Store.ListBatchCommandsAsync(other.Id, batchId, Token));
        Assert.Empty(await Store.ListBatchCommandsAsync(organization.Id, Ids.New("cmb"), Token));
        Assert.Equal([otherBatch], await Store.ListBatchCommandsAsync(organization.Id, otherBatch.BatchId!, Token));
    }

    [Fact]
    public async Task InsertCommands_Batch_IsClaimedAndDeliveredLikeSingleCommands()
    {
        var organization = await CreateOrganizationAsync();
        var first = await CreateDeviceAsync(organization.Id, online: true);
        var second = await CreateDeviceAsync(organization.Id, online: true);
        var batchId = Ids.New("cmb");
        var batch = new[] { NewCommand(organization.Id, first.Id), NewCommand(organization.Id, second.Id) }.Select(c => c with { BatchId = batchId }).ToList();
        await WriteAsync(tx => tx.InsertCommandsAsync(batch));

        var claimed = await WriteAsync(tx => tx.ClaimCommandsAsync("node-a", Time.GetUtcNow(), Time.GetUtcNow().AddSeconds(30), 10, null));
        await WriteAsync(tx => tx.MarkCommandsDeliveredAsync([.. claimed.Select(c => c.Id)], Time.GetUtcNow()));

        Assert.Equal(batch.Select(c => c.Id), claimed.Select(c => c.Id));
        Assert.All(claimed, c => Assert.Equal(batchId, c.BatchId));
        Assert.All(await Store.ListBatchCommandsAsync(organization.Id, batchId, Token), c => Assert.Equal("delivered", c.Status));
    }

    [Fact]
    public async Task ListDeviceIdsByTag_KeyAndValueOrKeyAlone_OnlyTheOrganizationsMatchesInIdOrderUpToTheLimit()
    {
        var organization = await CreateOrganizationAsync();
        var other = await CreateOrganizationAsync("Other");
        var kitchen = new List<Device>();
        for (var i = 0; i < 3; i++)
        {
            kitchen.Add(await CreateDeviceAsync(organization.Id, tags: new Dictionary<string, string> { ["room"] = "kitchen", ["floor"] = "1" }));
        }
        var office = await CreateDeviceAsync(organization.Id, tags: new Dictionary<string, string> { ["room"] = "office:north" });
        await CreateDeviceAsync(organization.Id);
        await CreateDeviceAsync(other.Id, tags: new Dictionary<string, string> { ["room"] = "kitchen" });

        var (byValue, byKey, limited, colon, none, otherKey) = await WriteAsync(async tx => (
            await tx.ListDeviceIdsByTagAsync(organization.Id, "room", "kitchen", 10),
            await tx.ListDeviceIdsByTagAsync(organization.Id, "room", null, 10),
            await tx.ListDeviceIdsByTagAsync(organization.Id, "room", "kitchen", 2),
            await tx.ListDeviceIdsByTagAsync(organization.Id, "room", "office:north", 10),
            await tx.ListDeviceIdsByTagAsync(organization.Id, "room", "garage", 10),
            await tx.ListDeviceIdsByTagAsync(organization.Id, "kitchen", null, 10)));

        Assert.Equal(kitchen.Select(d => d.Id), byValue);
        Assert.Equal([.. kitchen.Select(d => d.Id), office.Id], byKey);
        Assert.Equal(kitchen.Take(2).Select(d => d.Id), limited);
        Assert.Equal([office.Id], colon);
        Assert.Empty(none);
        Assert.Empty(otherKey);
    }

    [Fact]
    public async Task FindDeviceIds_MixedOrganizations_ReturnsOnlyTheCallersExistingDevices()
    {
        var organization = await CreateOrganizationAsync();
        var other = await CreateOrganizationAsync("Other");
        var mine = await CreateDeviceAsync(organization.Id);
        var alsoMine = await CreateDeviceAsync(organization.Id);
        var theirs = await CreateDeviceAsync(other.Id);

        var (found, empty) = await WriteAsync(async tx => (
            await tx.FindDeviceIdsAsync(organization.Id, [alsoMine.Id, theirs.Id, Ids.New("dev"), mine.Id]),
            await tx.FindDeviceIdsAsync(organization.Id, [])));

        Assert.Equal([mine.Id, alsoMine.Id], found);
        Assert.Empty(empty);
    }
}
