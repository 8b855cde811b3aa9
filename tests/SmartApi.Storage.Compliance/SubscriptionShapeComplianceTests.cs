namespace SmartApi.Storage.Compliance;

/// <summary>
/// One set of event subscriptions per automation, whatever its shape: saving it as a plain
/// event-to-webhook automation or as an engine-evaluated one (a condition added) replaces that set,
/// and the automation's rule alone decides whether a matched event yields deliveries or a run.
/// </summary>
public abstract class SubscriptionShapeComplianceTests : EngineComplianceTests
{
    private static readonly WebhookDefinition[] TwoHooks = [Hook(0), Hook(1, "https://crm.example.com/smart")];

    [Fact]
    public async Task SaveAutomation_ConditionAddedThenRemoved_MovesBetweenDeliveriesAndARun()
    {
        var organization = await CreateOrganizationAsync();
        var automation = NewAutomation(organization.Id);

        await SaveAsAsync(automation, TwoHooks, Everything, kind: null);
        var plain = await AppendAsync(NewEvent(organization.Id));
        await SaveAsAsync(automation, TwoHooks, Everything, RuleKind.Event);
        var engine = await AppendAsync(NewEvent(organization.Id));
        await SaveAsAsync(automation, TwoHooks, Everything, kind: null);
        var back = await AppendAsync(NewEvent(organization.Id));

        Assert.Equal(new[] { plain.Id, plain.Id, back.Id, back.Id }.Order(), (await DeliveriesAsync(organization.Id)).Select(d => d.EventId).Order());
        Assert.Equal([engine.Id], await RunEventsAsync(automation));
    }

    [Fact]
    public async Task SaveAutomation_PlainToEngineAndBack_RoutesOnlyTheSubscriptionsSavedLast()
    {
        var organization = await CreateOrganizationAsync();
        var first = await CreateDeviceAsync(organization.Id);
        var second = await CreateDeviceAsync(organization.Id);
        var automation = NewAutomation(organization.Id);

        await SaveAsAsync(automation, TwoHooks, [new("device.online", first.Id)], kind: null);
        var plain = await AppendAsync(NewEvent(organization.Id, "device.online", first.Id));
        await SaveAsAsync(automation, TwoHooks, [new("device.offline", second.Id)], RuleKind.Event);
        await AppendAsync(NewEvent(organization.Id, "device.online", first.Id)); // the plain set is gone
        var engine = await AppendAsync(NewEvent(organization.Id, "device.offline", second.Id));
        await SaveAsAsync(automation, TwoHooks, [new("device.online", second.Id)], kind: null);
        await AppendAsync(NewEvent(organization.Id, "device.offline", second.Id)); // and so is the engine's
        await AppendAsync(NewEvent(organization.Id, "device.online", first.Id));
        var back = await AppendAsync(NewEvent(organization.Id, "device.online", second.Id));

        Assert.Equal(new[] { plain.Id, plain.Id, back.Id, back.Id }.Order(), (await DeliveriesAsync(organization.Id)).Select(d => d.EventId).Order());
        Assert.Equal([engine.Id], await RunEventsAsync(automation));
    }

    [Fact]
    public async Task AppendEvent_SubscribedAutomationWithoutWebhooks_QueuesARunOnlyForAnEngineRule()
    {
        var organization = await CreateOrganizationAsync();
        var engine = NewAutomation(organization.Id); // switch actions only: no webhook
        var plain = NewAutomation(organization.Id);
        await SaveAsAsync(engine, [], Everything, RuleKind.Event);
        await SaveAsAsync(plain, [], Everything, kind: null);

        var online = await AppendAsync(NewEvent(organization.Id));

        Assert.Equal([online.Id], await RunEventsAsync(engine));
        Assert.Empty(await RunEventsAsync(plain));
        Assert.Empty(await DeliveriesAsync(organization.Id));
    }

    /// <summary>Saves the automation as the server does: its webhooks and subscriptions, then its rule, in one unit.</summary>
    private Task SaveAsAsync(Automation automation, IReadOnlyList<WebhookDefinition> webhooks, IReadOnlyList<Subscription> subscriptions, string? kind) =>
        WriteAsync(async tx =>
        {
            await tx.SaveAutomationAsync(automation, webhooks, subscriptions);
            await tx.SetRuleAsync(automation.OrganizationId, automation.Id, kind, null, resetPowerStates: true);
        });

    private async Task<List<string?>> RunEventsAsync(Automation automation) =>
        [.. (await Store.ListRunsAsync(automation.OrganizationId, automation.Id, new PageRequest(null, 50), Token)).Items.Select(r => r.EventId)];
}
