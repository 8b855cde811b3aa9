namespace SmartApi.Storage.Relational;

internal abstract partial class RelationalStoreTransaction
{
    /// <summary>Counts a pending run queued by the unit (the writer announces it after the commit).</summary>
    private protected abstract void RunQueued();

    public async ValueTask SetRuleAsync(string organizationId, string automationId, string? kind, DateTimeOffset? nextFireAt, bool resetPowerStates)
    {
        await ChangingSubscriptionsAsync(); // the rule decides what the automation's subscriptions yield
        var automation = new { automation = automationId };
        if (resetPowerStates || kind != RuleKind.Power)
        {
            await ExecuteAsync(RelationalSql.DeleteAutomationPowerStates, automation);
        }
        if (kind is null)
        {
            await ExecuteAsync(RelationalSql.DeleteRule, automation);
            return;
        }
        await ExecuteAsync(RelationalSql.UpsertRule, new { automation = automationId, org = organizationId, kind, next = Ms.Of(nextFireAt) });
    }

    public async ValueTask<bool> ClaimScheduleAsync(string automationId, DateTimeOffset expected, DateTimeOffset? next) =>
        await ExecuteAsync(RelationalSql.ClaimSchedule, new { automation = automationId, expected = Ms.Of(expected), next = Ms.Of(next) }) == 1;

    public async ValueTask<bool> ClaimCooldownAsync(string automationId, DateTimeOffset at, TimeSpan cooldown) =>
        await ExecuteAsync(RelationalSql.ClaimCooldown,
            new { automation = automationId, at = Ms.Of(at), cooldown = (long)cooldown.TotalMilliseconds }) == 1;

    public virtual async ValueTask InsertRunAsync(AutomationRun run)
    {
        if (run.Status == RunStatus.Pending)
        {
            RunQueued();
        }
        await ExecuteAsync(RelationalSql.InsertRun, new
        {
            id = run.Id,
            org = run.OrganizationId,
            automation = run.AutomationId,
            status = run.Status,
            triggerType = run.TriggerType,
            @event = run.EventId,
            trigger = run.TriggerJson,
            triggeredAt = Ms.Of(run.TriggeredAt),
            reason = run.Reason,
            result = run.ResultJson,
            createdAt = Ms.Of(run.CreatedAt),
            finishedAt = Ms.Of(run.FinishedAt),
        });
    }

    // RETURNING has no defined order.
    public virtual async ValueTask<IReadOnlyList<AutomationRun>> ClaimRunsAsync(string owner, DateTimeOffset now, DateTimeOffset leaseUntil, int limit) =>
        (await QueryAsync<RunRow>(Dialect.ClaimRuns, new { owner, now = Ms.Of(now), leaseUntil = Ms.Of(leaseUntil), limit }))
            .Select(r => r.ToEntity()).OrderBy(r => r.CreatedAt).ThenBy(r => r.Id, StringComparer.Ordinal).ToList();

    public virtual async ValueTask<bool> CompleteRunAsync(string runId, string owner, string status, string? reason, string resultJson, DateTimeOffset finishedAt) =>
        await ExecuteAsync(RelationalSql.CompleteRun,
            new { id = runId, owner, status, reason, result = resultJson, at = Ms.Of(finishedAt) }) == 1;

    public virtual async ValueTask<IReadOnlyList<PowerTriggerState>> ListPowerStatesAsync(string deviceId) =>
        (await QueryAsync<PowerStateRow>(RelationalSql.ListPowerStates, new { device = deviceId })).Select(r => r.ToEntity()).ToList();

    public virtual async ValueTask UpsertPowerStateAsync(PowerTriggerState state) =>
        await ExecuteAsync(RelationalSql.UpsertPowerState, new
        {
            automation = state.AutomationId,
            device = state.DeviceId,
            org = state.OrganizationId,
            phase = state.Phase,
            since = Ms.Of(state.Since),
            due = Ms.Of(state.DueAt),
        });

    public virtual async ValueTask DeletePowerStateAsync(string automationId, string deviceId) =>
        await ExecuteAsync(RelationalSql.DeletePowerState, new { automation = automationId, device = deviceId });

    public virtual async ValueTask<bool> FirePowerStateAsync(string automationId, string deviceId, DateTimeOffset since) =>
        await ExecuteAsync(RelationalSql.FirePowerState, new { automation = automationId, device = deviceId, since = Ms.Of(since) }) == 1;

    public async ValueTask InsertScheduledCommandAsync(ScheduledCommand command) =>
        await ExecuteAsync(RelationalSql.InsertScheduledCommand, new
        {
            command.Id,
            command.OrganizationId,
            command.DeviceId,
            command.State,
            command.Source,
            command.AutomationId,
            Depth = (long)command.Depth,
            DueAt = Ms.Of(command.DueAt),
        });

    public async ValueTask<bool> TakeScheduledCommandAsync(string id) =>
        await ExecuteAsync(RelationalSql.TakeScheduledCommand, new { id }) == 1;

    public async ValueTask<int> PruneRunsAsync(DateTimeOffset before, int batchSize) =>
        await ExecuteAsync(Dialect.PruneRuns, new { before = Ms.Of(before), limit = batchSize });
}
