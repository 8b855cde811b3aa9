namespace SmartApi.Storage.Compliance;

/// <summary>Power trigger states and scheduled commands (reverts).</summary>
public abstract class PowerStateComplianceTests : EngineComplianceTests
{
    [Fact]
    public async Task PowerStates_UpsertListDelete_PerAutomationAndDevice()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);
        var otherDevice = await CreateDeviceAsync(organization.Id);
        var first = await CreateRuleAsync(organization.Id, RuleKind.Power);
        var second = await CreateRuleAsync(organization.Id, RuleKind.Power);
        var now = Time.GetUtcNow();
        var pending = new PowerTriggerState(first.Id, device.Id, organization.Id, PowerPhase.Pending, now, now.AddSeconds(120));
        var fired = new PowerTriggerState(second.Id, device.Id, organization.Id, PowerPhase.Fired, now, null);

        await WriteAsync(async tx =>
        {
            await tx.UpsertPowerStateAsync(pending);
            await tx.UpsertPowerStateAsync(fired);
            await tx.UpsertPowerStateAsync(fired with { DeviceId = otherDevice.Id });
        });
        Assert.Equal([pending, fired], (await WriteAsync(tx => tx.ListPowerStatesAsync(device.Id))).OrderBy(s => s.AutomationId));

        var moved = pending with { Since = now.AddSeconds(5), DueAt = now.AddSeconds(125) };
        await WriteAsync(tx => tx.UpsertPowerStateAsync(moved));
        await WriteAsync(tx => tx.DeletePowerStateAsync(second.Id, device.Id));

        Assert.Equal([moved], await WriteAsync(tx => tx.ListPowerStatesAsync(device.Id)));
        Assert.Single(await WriteAsync(tx => tx.ListPowerStatesAsync(otherDevice.Id)));
    }

    [Fact]
    public async Task FirePowerState_OnlyThePendingStateThatBeganThenFiresOnce()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);
        var automation = await CreateRuleAsync(organization.Id, RuleKind.Power);
        var since = Time.GetUtcNow();
        await WriteAsync(tx => tx.UpsertPowerStateAsync(new PowerTriggerState(automation.Id, device.Id, organization.Id, PowerPhase.Pending, since, since.AddSeconds(60))));

        Assert.False(await WriteAsync(tx => tx.FirePowerStateAsync(automation.Id, device.Id, since.AddSeconds(1))));
        Assert.True(await WriteAsync(tx => tx.FirePowerStateAsync(automation.Id, device.Id, since)));
        Assert.False(await WriteAsync(tx => tx.FirePowerStateAsync(automation.Id, device.Id, since)));
        var state = Assert.Single(await WriteAsync(tx => tx.ListPowerStatesAsync(device.Id)));
        Assert.Equal((PowerPhase.Fired, (DateTimeOffset?)null), (state.Phase, state.DueAt));
    }

    [Fact]
    public async Task ListDuePowerStates_ReturnsPendingStatesDueByNow()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);
        var due = await CreateRuleAsync(organization.Id, RuleKind.Power);
        var notYet = await CreateRuleAsync(organization.Id, RuleKind.Power);
        var fired = await CreateRuleAsync(organization.Id, RuleKind.Power);
        var now = Time.GetUtcNow();
        await WriteAsync(async tx =>
        {
            await tx.UpsertPowerStateAsync(new PowerTriggerState(due.Id, device.Id, organization.Id, PowerPhase.Pending, now.AddSeconds(-60), now));
            await tx.UpsertPowerStateAsync(new PowerTriggerState(notYet.Id, device.Id, organization.Id, PowerPhase.Pending, now, now.AddSeconds(1)));
            await tx.UpsertPowerStateAsync(new PowerTriggerState(fired.Id, device.Id, organization.Id, PowerPhase.Fired, now.AddSeconds(-60), null));
        });

        Assert.Equal([due.Id], (await Store.ListDuePowerStatesAsync(now, 10, Token)).Select(s => s.AutomationId));
    }

    [Fact]
    public async Task ScheduledCommands_ListedWhenDueAndTakenOnce()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);
        var now = Time.GetUtcNow();
        var due = new ScheduledCommand(Ids.New("scm"), organization.Id, device.Id, "off", "automation", Ids.New("aut"), 2, now);
        var later = due with { Id = Ids.New("scm"), DueAt = now.AddMinutes(1) };
        await WriteAsync(async tx =>
        {
            await tx.InsertScheduledCommandAsync(later);
            await tx.InsertScheduledCommandAsync(due);
        });

        Assert.Equal([due], await Store.ListDueScheduledCommandsAsync(now, 10, Token));
        Assert.True(await WriteAsync(tx => tx.TakeScheduledCommandAsync(due.Id)));
        Assert.False(await WriteAsync(tx => tx.TakeScheduledCommandAsync(due.Id)));
        Assert.Equal([later], await Store.ListDueScheduledCommandsAsync(now.AddMinutes(1), 10, Token));
    }
}
