namespace SmartApi.Storage.Compliance;

/// <summary>
/// Matching follows every change of subscriptions, including ones rolled back, whatever the
/// provider remembers between appends (SQLite keeps the subscribed event types in memory).
/// </summary>
public abstract class SubscriptionChangeComplianceTests : EngineComplianceTests
{
    private sealed class Rollback : Exception;

    [Fact]
    public async Task AppendEvent_AutomationsCreatedAfterEarlierAppends_MatchFromThenOn()
    {
        var organization = await CreateOrganizationAsync();
        await AppendAsync(NewEvent(organization.Id, "device.online"));

        await CreateAutomationAsync(organization.Id, [new("device.online", null)]);
        var rule = await CreateRuleAsync(organization.Id, RuleKind.Event, subscriptions: [new("device.online", null)]);
        var online = await AppendAsync(NewEvent(organization.Id, "device.online"));

        Assert.Equal([online.Id], (await DeliveriesAsync(organization.Id)).Select(d => d.EventId));
        Assert.Equal([online.Id], (await Store.ListRunsAsync(organization.Id, rule.Id, new PageRequest(null, 10), Token)).Items.Select(r => r.EventId));
    }

    [Fact]
    public async Task AppendEvent_InTheUnitThatSubscribes_Matches()
    {
        var organization = await CreateOrganizationAsync();
        await AppendAsync(NewEvent(organization.Id, "device.online"));
        var automation = NewAutomation(organization.Id);
        var online = NewEvent(organization.Id, "device.online");

        await WriteAsync(async tx =>
        {
            await tx.SaveAutomationAsync(automation, [Hook()], Everything);
            await tx.AppendEventAsync(online);
        });

        Assert.Equal([online.Id], (await DeliveriesAsync(organization.Id)).Select(d => d.EventId));
    }

    [Fact]
    public async Task AppendEvent_AfterARolledBackDeleteOfTheAutomation_StillMatches()
    {
        var organization = await CreateOrganizationAsync();
        var (automation, _) = await CreateAutomationAsync(organization.Id);
        var rule = await CreateRuleAsync(organization.Id, RuleKind.Event, subscriptions: Everything);

        await Assert.ThrowsAsync<Rollback>(() => WriteAsync(async tx =>
        {
            await tx.DeleteAutomationAsync(organization.Id, automation.Id);
            await tx.DeleteAutomationAsync(organization.Id, rule.Id);
            await tx.AppendEventAsync(NewEvent(organization.Id, "device.online"));
            throw new Rollback();
        }));
        var online = await AppendAsync(NewEvent(organization.Id, "device.online"));

        Assert.Equal([online.Id], (await DeliveriesAsync(organization.Id)).Select(d => d.EventId));
        Assert.Equal([online.Id], (await Store.ListRunsAsync(organization.Id, rule.Id, new PageRequest(null, 10), Token)).Items.Select(r => r.EventId));
    }

    [Fact]
    public async Task AppendEvent_AfterARolledBackSubscription_MatchesNothing()
    {
        var organization = await CreateOrganizationAsync();
        var automation = NewAutomation(organization.Id);

        await Assert.ThrowsAsync<Rollback>(() => WriteAsync(async tx =>
        {
            await tx.SaveAutomationAsync(automation, [Hook()], Everything);
            await tx.AppendEventAsync(NewEvent(organization.Id, "device.online"));
            throw new Rollback();
        }));
        await AppendAsync(NewEvent(organization.Id, "device.online"));

        Assert.Empty(await DeliveriesAsync(organization.Id));
        Assert.Equal(0, await Store.CountPendingDeliveriesAsync(Token));
    }
}
