namespace SmartApi.Storage.Compliance;

/// <summary>The automation engine's storage: rules, schedule claims, cooldowns, run subscriptions and the runs themselves.</summary>
public abstract class RuleComplianceTests : EngineComplianceTests
{
    [Fact]
    public async Task SetRule_RoundTrip_GetsTheRuleAndListsEnabledAutomationsOfItsKind()
    {
        var organization = await CreateOrganizationAsync();
        var at = Time.GetUtcNow().AddMinutes(5);
        var schedule = await CreateRuleAsync(organization.Id, RuleKind.Schedule, at);
        var power = await CreateRuleAsync(organization.Id, RuleKind.Power);
        await CreateRuleAsync(organization.Id, RuleKind.Power, enabled: false);

        Assert.Equal(new AutomationRule(schedule.Id, organization.Id, RuleKind.Schedule, at, null), await Store.GetRuleAsync(schedule.Id, Token));
        Assert.Equal([power.Id], (await Store.ListRuleAutomationsAsync(RuleKind.Power, Token)).Select(a => a.Id));
        Assert.Equal([schedule.Id], (await Store.ListRuleAutomationsAsync(RuleKind.Schedule, Token)).Select(a => a.Id));
    }

    [Fact]
    public async Task SetRule_NullKind_RemovesTheRuleAndItsPowerStates()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);
        var automation = await CreateRuleAsync(organization.Id, RuleKind.Power);
        await WriteAsync(tx => tx.UpsertPowerStateAsync(new PowerTriggerState(automation.Id, device.Id, organization.Id, PowerPhase.Fired, Time.GetUtcNow(), null)));

        await WriteAsync(tx => tx.SetRuleAsync(organization.Id, automation.Id, null, null, resetPowerStates: false));

        Assert.Null(await Store.GetRuleAsync(automation.Id, Token));
        Assert.Empty(await WriteAsync(tx => tx.ListPowerStatesAsync(device.Id)));
    }

    [Fact]
    public async Task SetRule_SamePowerTriggerWithoutReset_KeepsPowerStates()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);
        var automation = await CreateRuleAsync(organization.Id, RuleKind.Power);
        var state = new PowerTriggerState(automation.Id, device.Id, organization.Id, PowerPhase.Fired, Time.GetUtcNow(), null);
        await WriteAsync(tx => tx.UpsertPowerStateAsync(state));

        await WriteAsync(tx => tx.SetRuleAsync(organization.Id, automation.Id, RuleKind.Power, null, resetPowerStates: false));
        Assert.Equal([state], await WriteAsync(tx => tx.ListPowerStatesAsync(device.Id)));

        await WriteAsync(tx => tx.SetRuleAsync(organization.Id, automation.Id, RuleKind.Power, null, resetPowerStates: true));
        Assert.Empty(await WriteAsync(tx => tx.ListPowerStatesAsync(device.Id)));
    }

    [Fact]
    public async Task AppendEvent_MatchingRuleSubscription_QueuesOnePendingRunAndRaisesRunsQueued()
    {
        var organization = await CreateOrganizationAsync();
        var other = await CreateOrganizationAsync("Other");
        var device = await CreateDeviceAsync(organization.Id);
        var otherDevice = await CreateDeviceAsync(organization.Id);
        var forDevice = await CreateRuleAsync(organization.Id, RuleKind.Event, subscriptions: [new("device.switched", device.Id)]);
        var forAll = await CreateRuleAsync(organization.Id, RuleKind.Event, subscriptions: [new("*", null), new("device.switched", null)]);
        var disabled = await CreateRuleAsync(organization.Id, RuleKind.Event, subscriptions: [new("*", null)], enabled: false);
        var foreign = await CreateRuleAsync(other.Id, RuleKind.Event, subscriptions: [new("*", null)]);
        var raised = 0;
        Store.Committed += commit => Interlocked.Add(ref raised, commit.RunsQueued > 0 ? 1 : 0);

        var switched = await AppendAsync(NewEvent(organization.Id, "device.switched", device.Id));
        await AppendAsync(NewEvent(organization.Id, "device.online", otherDevice.Id));
        await AppendAsync(NewEvent(organization.Id, "automation.test") with { TargetAutomationId = forAll.Id });

        var runs = await Store.ListRunsAsync(organization.Id, forDevice.Id, new PageRequest(null, 10), Token);
        var run = Assert.Single(runs.Items);
        Assert.Equal((RunStatus.Pending, RuleKind.Event, switched.Id, switched.CreatedAt), (run.Status, run.TriggerType, run.EventId, run.TriggeredAt));
        Assert.StartsWith("run_", run.Id, StringComparison.Ordinal);
        Assert.Equal(2, (await Store.ListRunsAsync(organization.Id, forAll.Id, new PageRequest(null, 10), Token)).Items.Count);
        Assert.Empty((await Store.ListRunsAsync(organization.Id, disabled.Id, new PageRequest(null, 10), Token)).Items);
        Assert.Empty((await Store.ListRunsAsync(other.Id, foreign.Id, new PageRequest(null, 10), Token)).Items);
        Assert.True(raised >= 1);
        // Engine automations get their deliveries from their runs, not from webhook matching.
        Assert.Empty(await DeliveriesAsync(organization.Id, new DeliveryFilter(EventId: switched.Id)));
    }

    [Fact]
    public async Task ClaimSchedule_TwoClaimsOfOneOccurrence_OnlyTheFirstWins()
    {
        var organization = await CreateOrganizationAsync();
        var due = Time.GetUtcNow();
        var automation = await CreateRuleAsync(organization.Id, RuleKind.Schedule, due);
        var next = due.AddHours(1);

        var first = await WriteAsync(tx => tx.ClaimScheduleAsync(automation.Id, due, next));
        var second = await WriteAsync(tx => tx.ClaimScheduleAsync(automation.Id, due, next.AddHours(1)));

        Assert.Equal((true, false), (first, second));
        Assert.Equal(next, (await Store.GetRuleAsync(automation.Id, Token))!.NextFireAt);
        Assert.True(await WriteAsync(tx => tx.ClaimScheduleAsync(automation.Id, next, null)));
        Assert.Null((await Store.GetRuleAsync(automation.Id, Token))!.NextFireAt);
    }

    [Fact]
    public async Task ListDueSchedules_ReturnsEnabledSchedulesDueByNowEarliestFirst()
    {
        var organization = await CreateOrganizationAsync();
        var now = Time.GetUtcNow();
        var later = await CreateRuleAsync(organization.Id, RuleKind.Schedule, now.AddSeconds(-1));
        var earlier = await CreateRuleAsync(organization.Id, RuleKind.Schedule, now.AddMinutes(-5));
        await CreateRuleAsync(organization.Id, RuleKind.Schedule, now.AddSeconds(1));
        await CreateRuleAsync(organization.Id, RuleKind.Schedule, now.AddMinutes(-9), enabled: false);

        var due = await Store.ListDueSchedulesAsync(now, 10, Token);

        Assert.Equal([earlier.Id, later.Id], due.Select(r => r.AutomationId));
        Assert.Single(await Store.ListDueSchedulesAsync(now, 1, Token));
    }

    [Fact]
    public async Task ClaimCooldown_WithinTheCooldown_IsRefusedAndAfterItAllowed()
    {
        var organization = await CreateOrganizationAsync();
        var automation = await CreateRuleAsync(organization.Id, RuleKind.Event);
        var at = Time.GetUtcNow();
        var cooldown = TimeSpan.FromMinutes(10);

        Assert.True(await WriteAsync(tx => tx.ClaimCooldownAsync(automation.Id, at, cooldown)));
        Assert.False(await WriteAsync(tx => tx.ClaimCooldownAsync(automation.Id, at.AddMinutes(9), cooldown)));
        Assert.Equal(at, (await Store.GetRuleAsync(automation.Id, Token))!.LastRunAt);
        Assert.True(await WriteAsync(tx => tx.ClaimCooldownAsync(automation.Id, at.AddMinutes(10), cooldown)));
    }

    [Fact]
    public async Task ClaimRuns_LeasesPendingRunsOnceUntilTheLeaseLapses()
    {
        var organization = await CreateOrganizationAsync();
        var automation = await CreateRuleAsync(organization.Id, RuleKind.Schedule);
        var pending = NewRun(automation);
        var finished = NewRun(automation, RunStatus.Succeeded);
        await WriteAsync(async tx =>
        {
            await tx.InsertRunAsync(pending);
            await tx.InsertRunAsync(finished);
        });
        var now = Time.GetUtcNow();

        var first = await WriteAsync(tx => tx.ClaimRunsAsync("a", now, now.AddMinutes(1), 10));
        var again = await WriteAsync(tx => tx.ClaimRunsAsync("b", now.AddSeconds(59), now.AddMinutes(2), 10));
        var lapsed = await WriteAsync(tx => tx.ClaimRunsAsync("b", now.AddMinutes(1), now.AddMinutes(2), 10));

        Assert.Equal(pending, Assert.Single(first));
        Assert.Empty(again);
        Assert.Equal(pending.Id, Assert.Single(lapsed).Id);
    }

    [Fact]
    public async Task CompleteRun_OnlyTheLeaseHolderFinishesAPendingRunOnce()
    {
        var organization = await CreateOrganizationAsync();
        var automation = await CreateRuleAsync(organization.Id, RuleKind.Schedule);
        var run = NewRun(automation);
        await WriteAsync(tx => tx.InsertRunAsync(run));
        var now = Time.GetUtcNow();
        await WriteAsync(tx => tx.ClaimRunsAsync("a", now, now.AddMinutes(1), 10));

        Assert.False(await WriteAsync(tx => tx.CompleteRunAsync(run.Id, "b", RunStatus.Succeeded, null, "{}", now)));
        Assert.True(await WriteAsync(tx => tx.CompleteRunAsync(run.Id, "a", RunStatus.Skipped, "cooldown", """{"commandIds":[]}""", now.AddSeconds(1))));
        Assert.False(await WriteAsync(tx => tx.CompleteRunAsync(run.Id, "a", RunStatus.Failed, null, "{}", now)));

        var stored = Assert.Single((await Store.ListRunsAsync(organization.Id, automation.Id, new PageRequest(null, 10), Token)).Items);
        Assert.Equal((RunStatus.Skipped, "cooldown", """{"commandIds":[]}""", now.AddSeconds(1)), (stored.Status, stored.Reason, stored.ResultJson, stored.FinishedAt));
        Assert.Empty(await WriteAsync(tx => tx.ClaimRunsAsync("c", now.AddHours(1), now.AddHours(2), 10)));
    }

    [Fact]
    public async Task ListRuns_SeveralPages_NewestFirstAndOnlyTheOrganizations()
    {
        var organization = await CreateOrganizationAsync();
        var other = await CreateOrganizationAsync("Other");
        var automation = await CreateRuleAsync(organization.Id, RuleKind.Schedule);
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var run = NewRun(automation, RunStatus.Succeeded);
            await WriteAsync(tx => tx.InsertRunAsync(run));
            ids.Add(run.Id);
        }

        var all = await ReadAllPagesAsync(after => Store.ListRunsAsync(organization.Id, automation.Id, new PageRequest(after, 2), Token), r => r.Id, 2);

        Assert.Equal(Enumerable.Reverse(ids), all.Select(r => r.Id));
        Assert.Empty((await Store.ListRunsAsync(other.Id, automation.Id, new PageRequest(null, 10), Token)).Items);
    }

    [Fact]
    public async Task PruneRuns_DeletesOldFinishedRunsOnly()
    {
        var organization = await CreateOrganizationAsync();
        var automation = await CreateRuleAsync(organization.Id, RuleKind.Schedule);
        var old = NewRun(automation, RunStatus.Succeeded);
        var oldPending = NewRun(automation);
        await WriteAsync(async tx =>
        {
            await tx.InsertRunAsync(old);
            await tx.InsertRunAsync(oldPending);
        });
        Time.Advance(TimeSpan.FromDays(2));
        var recent = NewRun(automation, RunStatus.Failed);
        await WriteAsync(tx => tx.InsertRunAsync(recent));

        var deleted = await WriteAsync(tx => tx.PruneRunsAsync(Time.GetUtcNow().AddDays(-1), 100));

        Assert.Equal(1, deleted);
        var left = (await Store.ListRunsAsync(organization.Id, automation.Id, new PageRequest(null, 10), Token)).Items.Select(r => r.Id);
        Assert.Equal([recent.Id, oldPending.Id], left);
    }

    [Fact]
    public async Task QueueAutomationDeliveries_QueuesTheEventToTheAutomationsActiveWebhooksOnly()
    {
        var organization = await CreateOrganizationAsync();
        var other = await CreateOrganizationAsync("Other");
        var device = await CreateDeviceAsync(organization.Id);
        var automation = await CreateRuleAsync(organization.Id, RuleKind.Event);
        await CreateAutomationAsync(organization.Id, subscriptions: []); // another automation's webhook: not this one's
        var stored = await AppendAsync(NewEvent(organization.Id, "device.switched", device.Id));

        var ids = await WriteAsync(tx => tx.QueueAutomationDeliveriesAsync(organization.Id, automation.Id, stored.Id, Time.GetUtcNow()));
        var foreign = await WriteAsync(tx => tx.QueueAutomationDeliveriesAsync(other.Id, automation.Id, stored.Id, Time.GetUtcNow()));

        var delivery = await DeliveryAsync(organization.Id, Assert.Single(ids));
        Assert.Equal((automation.Id, stored.Id, "device.switched", device.Id, DeliveryStatus.Pending),
            (delivery.AutomationId, delivery.EventId, delivery.EventType, delivery.DeviceId, delivery.Status));
        Assert.Empty(foreign);
        Assert.Equal(delivery.Id, Assert.Single(await ClaimAsync()).Delivery.Id);
    }
}
