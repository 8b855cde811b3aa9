namespace SmartApi.Storage.Compliance;

/// <summary>What the MQTT gateway asks of a store: serial lookup, command claims and statuses, energy reports.</summary>
public abstract class GatewayComplianceTests : StorageComplianceTests
{
    [Fact]
    public async Task FindDevicesBySerial_AnyOrganization_ReturnsTheDeviceWithItsHash()
    {
        var first = await CreateOrganizationAsync("First");
        var second = await CreateOrganizationAsync("Second");
        await CreateDeviceAsync(first.Id, "DT31-OTHER");
        var device = await CreateDeviceAsync(second.Id, "DT31-MINE");

        var found = await Store.FindDevicesBySerialAsync("DT31-MINE", Token);

        Assert.Equal(device.Id, Assert.Single(found).Id);
        Assert.Equal(device.MqttPasswordHash, found[0].MqttPasswordHash);
        Assert.Empty(await Store.FindDevicesBySerialAsync("DT31-NONE", Token));
    }

    [Fact]
    public async Task ListOnlineDevices_ReturnsOnlyOnlineOnes()
    {
        var organization = await CreateOrganizationAsync();
        var online = await CreateDeviceAsync(organization.Id, online: true);
        await CreateDeviceAsync(organization.Id);

        Assert.Equal([new DeviceRef(online.Id, organization.Id)], await Store.ListOnlineDevicesAsync(Token));
    }

    [Fact]
    public async Task ClaimCommands_OfGivenDevices_LeasesPendingUnexpiredOnesOnce()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);
        var other = await CreateDeviceAsync(organization.Id);
        var first = NewCommand(organization.Id, device.Id);
        var second = NewCommand(organization.Id, device.Id);
        var expired = NewCommand(organization.Id, device.Id) with { ExpiresAt = Time.GetUtcNow() };
        var elsewhere = NewCommand(organization.Id, other.Id);
        await WriteAsync(async tx =>
        {
            foreach (var c in new[] { first, second, expired, elsewhere })
            {
                await tx.InsertCommandAsync(c);
            }
        });
        var now = Time.GetUtcNow();

        var claimed = await WriteAsync(tx => tx.ClaimCommandsAsync("a", now, now.AddSeconds(10), 10, [device.Id]));
        var again = await WriteAsync(tx => tx.ClaimCommandsAsync("b", now, now.AddSeconds(10), 10, [device.Id, other.Id]));
        var none = await WriteAsync(tx => tx.ClaimCommandsAsync("b", now, now.AddSeconds(10), 10, []));

        Assert.Equal([first.Id, second.Id], claimed.Select(c => c.Id));
        Assert.Equal([elsewhere.Id], again.Select(c => c.Id));
        Assert.Empty(none);
    }

    [Fact]
    public async Task ClaimCommands_LapsedLease_IsClaimableAgain()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);
        var command = NewCommand(organization.Id, device.Id);
        await WriteAsync(tx => tx.InsertCommandAsync(command));
        var now = Time.GetUtcNow();
        await WriteAsync(tx => tx.ClaimCommandsAsync("a", now, now.AddSeconds(5), 10, [device.Id]));

        var during = await WriteAsync(tx => tx.ClaimCommandsAsync("b", now.AddSeconds(4), now.AddSeconds(9), 10, [device.Id]));
        var after = await WriteAsync(tx => tx.ClaimCommandsAsync("b", now.AddSeconds(5), now.AddSeconds(10), 10, [device.Id]));

        Assert.Empty(during);
        Assert.Equal([command.Id], after.Select(c => c.Id));
    }

    [Fact]
    public async Task ClaimCommands_WithoutDeviceList_ClaimsOnlyOnlineDevices()
    {
        var organization = await CreateOrganizationAsync();
        var online = await CreateDeviceAsync(organization.Id, online: true);
        var offline = await CreateDeviceAsync(organization.Id);
        var toOnline = NewCommand(organization.Id, online.Id);
        var toOffline = NewCommand(organization.Id, offline.Id);
        await WriteAsync(async tx =>
        {
            await tx.InsertCommandAsync(toOnline);
            await tx.InsertCommandAsync(toOffline);
        });
        var now = Time.GetUtcNow();

        var claimed = await WriteAsync(tx => tx.ClaimCommandsAsync("a", now, now.AddSeconds(5), 10, null));

        Assert.Equal([toOnline.Id], claimed.Select(c => c.Id));
    }

    [Fact]
    public async Task CommandStatuses_MoveOnlyForward()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);
        var command = NewCommand(organization.Id, device.Id);
        await WriteAsync(tx => tx.InsertCommandAsync(command));
        var later = Time.GetUtcNow().AddSeconds(1);

        var delivered = await WriteAsync(tx => tx.MarkCommandsDeliveredAsync([command.Id], later));
        var deliveredTwice = await WriteAsync(tx => tx.MarkCommandsDeliveredAsync([command.Id], later));
        var afterDelivery = await WriteAsync(tx => tx.FindCommandAsync(device.Id, command.Id));
        var acknowledged = await WriteAsync(tx => tx.CompleteCommandAsync(command.Id, "acknowledged", null, later));
        var failedAfterwards = await WriteAsync(tx => tx.CompleteCommandAsync(command.Id, "failed", "late", later));
        var final = await Store.GetCommandAsync(organization.Id, device.Id, command.Id, Token);

        Assert.Equal((1, 0), (delivered, deliveredTwice));
        Assert.Equal("delivered", afterDelivery!.Status);
        Assert.True(acknowledged);
        Assert.False(failedAfterwards);
        Assert.Equal(("acknowledged", (string?)null, later), (final!.Status, final.Error, final.UpdatedAt));
        Assert.Null(await WriteAsync(tx => tx.FindCommandAsync(device.Id, Ids.New("cmd"))));
    }

    [Fact]
    public async Task ExpireCommands_ExpiresUnfinishedCommandsPastTheirTime()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);
        var pending = NewCommand(organization.Id, device.Id);
        var delivered = NewCommand(organization.Id, device.Id);
        var done = NewCommand(organization.Id, device.Id) with { Status = "acknowledged" };
        var fresh = NewCommand(organization.Id, device.Id) with { ExpiresAt = Time.GetUtcNow().AddMinutes(5) };
        await WriteAsync(async tx =>
        {
            foreach (var c in new[] { pending, delivered, done, fresh })
            {
                await tx.InsertCommandAsync(c);
            }
            await tx.MarkCommandsDeliveredAsync([delivered.Id], Time.GetUtcNow());
        });
        var at = Time.GetUtcNow().AddSeconds(30);

        var expired = await WriteAsync(tx => tx.ExpireCommandsAsync(at, 10));
        var again = await WriteAsync(tx => tx.ExpireCommandsAsync(at, 10));

        Assert.Equal(new[] { pending.Id, delivered.Id }.Order(StringComparer.Ordinal), expired.Select(c => c.Id).Order(StringComparer.Ordinal));
        Assert.All(expired, c => Assert.Equal("expired", c.Status));
        Assert.Equal("not_acknowledged", expired.Single(c => c.Id == delivered.Id).Error);
        Assert.Equal("not_delivered", expired.Single(c => c.Id == pending.Id).Error);
        Assert.Empty(again);
        Assert.Equal("pending", (await Store.GetCommandAsync(organization.Id, device.Id, fresh.Id, Token))!.Status);
    }

    [Fact]
    public async Task EnergyReports_AreClaimedOncePerHour()
    {
        var hour = new DateTimeOffset(2025, 3, 1, 10, 0, 0, TimeSpan.Zero);

        var first = await WriteAsync(tx => tx.TryClaimEnergyReportAsync(hour, Time.GetUtcNow()));
        var second = await WriteAsync(tx => tx.TryClaimEnergyReportAsync(hour, Time.GetUtcNow()));
        var next = await WriteAsync(tx => tx.TryClaimEnergyReportAsync(hour.AddHours(1), Time.GetUtcNow()));

        Assert.Equal((true, false, true), (first, second, next));
        Assert.Equal(hour.AddHours(1), await Store.GetLastEnergyReportAsync(Token));
    }

    [Fact]
    public async Task CommandsQueued_IsRaisedAfterACommitThatInsertedCommands()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);
        var raised = 0;
        Store.Committed += commit => Interlocked.Add(ref raised, commit.CommandsQueued ? 1 : 0);

        await CreateOrganizationAsync("Other");
        var before = Volatile.Read(ref raised);
        await WriteAsync(tx => tx.InsertCommandAsync(NewCommand(organization.Id, device.Id)));

        Assert.Equal(0, before);
        Assert.Equal(1, Volatile.Read(ref raised));
    }
}
