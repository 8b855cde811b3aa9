
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
}
