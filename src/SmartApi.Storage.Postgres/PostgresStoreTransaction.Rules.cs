using Dapper;
using SmartApi.Storage.Sqlite;

namespace SmartApi.Storage.Postgres;

internal sealed partial class PostgresStoreTransaction
{
    /// <summary>Runs queued in this transaction (the store announces them after commit).</summary>
    public int QueuedRuns { get; private set; }

    /// <summary>Queues a pending run for every enabled engine automation subscribed to this event.</summary>
    private async ValueTask QueueRunsAsync(NewEvent newEvent)
    {
        if (newEvent.TargetAutomationId is not null)
        {
            return; // test and schedule events belong to one automation; they trigger nothing else
        }
        var matches = await connection.QueryAsync<RuleMatchRow>(Sql.MatchRules,
            new { org = newEvent.OrganizationId, type = newEvent.Type, device = newEvent.DeviceId ?? "" }, transaction);
        foreach (var match in matches)
        {
            await InsertRunAsync(new AutomationRun(ids.New("run"), newEvent.OrganizationId, match.AutomationId, RunStatus.Pending, RuleKind.Event,
                newEvent.Id, "{}", newEvent.CreatedAt, null, null, newEvent.CreatedAt, null));
        }
    }

    public async ValueTask SetRuleAsync(string organizationId, string automationId, string? kind, DateTimeOffset? nextFireAt,
        IReadOnlyList<Subscription> subscriptions, bool resetPowerStates)
    {
        var automation = new { automation = automationId };
        await connection.ExecuteAsync(Sql.DeleteRuleSubscriptions, automation, transaction);
        if (resetPowerStates || kind != RuleKind.Power)
        {
            await connection.ExecuteAsync(Sql.DeleteAutomationPowerStates, automation, transaction);
        }
        if (kind is null)
        {
            await connection.ExecuteAsync(Sql.DeleteRule, automation, transaction);
            return;
        }
        await connection.ExecuteAsync(Sql.UpsertRule, new { automation = automationId, org = organizationId, kind, next = Ms.Of(nextFireAt) }, transaction);
        await connection.ExecuteAsync(Sql.InsertRuleSubscription,
            subscriptions.Select(s => new { org = organizationId, type = s.EventType, device = s.DeviceId ?? "", automation = automationId }), transaction);
    }

    public async ValueTask<bool> ClaimScheduleAsync(string automationId, DateTimeOffset expected, DateTimeOffset? next) =>
        await connection.ExecuteAsync(Sql.ClaimSchedule, new { automation = automationId, expected = Ms.Of(expected), next = Ms.Of(next) }, transaction) == 1;

    public async ValueTask<bool> ClaimCooldownAsync(string automationId, DateTimeOffset at, TimeSpan cooldown) =>
        await connection.ExecuteAsync(Sql.ClaimCooldown,
            new { automation = automationId, at = Ms.Of(at), cooldown = (long)cooldown.TotalMilliseconds }, transaction) == 1;

    public async ValueTask InsertRunAsync(AutomationRun run)
    {
        if (run.Status == RunStatus.Pending)
        {
            QueuedRuns++;
        }
        await connection.ExecuteAsync(Sql.InsertRun, new
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
        }, transaction);
    }

    public async ValueTask<IReadOnlyList<AutomationRun>> ClaimRunsAsync(string owner, DateTimeOffset now, DateTimeOffset leaseUntil, int limit) =>
        (await connection.QueryAsync<RunRow>(Sql.ClaimRuns, new { owner, now = Ms.Of(now), leaseUntil = Ms.Of(leaseUntil), limit }, transaction))
            .Select(r => r.ToEntity()).OrderBy(r => r.CreatedAt).ThenBy(r => r.Id, StringComparer.Ordinal).ToList();

    public async ValueTask<bool> CompleteRunAsync(string runId, string owner, string status, string? reason, string resultJson, DateTimeOffset finishedAt) =>
        await connection.ExecuteAsync(Sql.CompleteRun,
            new { id = runId, owner, status, reason, result = resultJson, at = Ms.Of(finishedAt) }, transaction) == 1;

    public async ValueTask<IReadOnlyList<string>> QueueAutomationDeliveriesAsync(string organizationId, string automationId, string eventId, DateTimeOffset now)
    {
        var stored = await connection.QuerySingleOrDefaultAsync<EventPositionRow>(Sql.GetEventForDelivery, new { org = organizationId, id = eventId }, transaction);
        if (stored is null)
        {
            return [];
        }
        var webhooks = (await connection.QueryAsync<MatchRow>(Sql.AutomationWebhooks, new { automation = automationId, org = organizationId }, transaction)).ToList();
        if (webhooks.Count == 0)
        {
            return [];
        }
        var deliveryIds = webhooks.Select(_ => ids.New("dlv")).ToArray();
        QueuedDeliveries += webhooks.Count;
        await connection.ExecuteAsync(Sql.InsertRunDeliveries, new
        {
            org = organizationId,
            automation = automationId,
            @event = eventId,
            position = stored.Position,
            type = stored.Type,
            device = stored.DeviceId,
            at = Ms.Of(now),
            ids = deliveryIds,
            webhooks = webhooks.Select(m => m.Id).ToArray(),
            orderingKeys = webhooks.Select(m => m.Ordered ? m.Id + ":" + stored.DeviceId : null).ToArray(),
        }, transaction);
        return deliveryIds;
    }

    public async ValueTask<IReadOnlyList<PowerTriggerState>> ListPowerStatesAsync(string deviceId) =>
        (await connection.QueryAsync<PowerStateRow>(Sql.ListPowerStates, new { device = deviceId }, transaction)).Select(r => r.ToEntity()).ToList();

    public async ValueTask UpsertPowerStateAsync(PowerTriggerState state) =>
        await connection.ExecuteAsync(Sql.UpsertPowerState, new
        {
            automation = state.AutomationId,
            device = state.DeviceId,
            org = state.OrganizationId,
            phase = state.Phase,
            since = Ms.Of(state.Since),
            due = Ms.Of(state.DueAt),
        }, transaction);

    public async ValueTask DeletePowerStateAsync(string automationId, string deviceId) =>
        await connection.ExecuteAsync(Sql.DeletePowerState, new { automation = automationId, device = deviceId }, transaction);

    public async ValueTask<bool> FirePowerStateAsync(string automationId, string deviceId, DateTimeOffset since) =>
        await connection.ExecuteAsync(Sql.FirePowerState, new { automation = automationId, device = deviceId, since = Ms.Of(since) }, transaction) == 1;

    public async ValueTask InsertScheduledCommandAsync(ScheduledCommand command) =>
        await connection.ExecuteAsync(Sql.InsertScheduledCommand, new
        {
            command.Id,
            command.OrganizationId,
            command.DeviceId,
            command.State,
            command.Source,
            command.AutomationId,
            Depth = (long)command.Depth,
            DueAt = Ms.Of(command.DueAt),
        }, transaction);

    public async ValueTask<bool> TakeScheduledCommandAsync(string id) =>
        await connection.ExecuteAsync(Sql.TakeScheduledCommand, new { id }, transaction) == 1;

    public async ValueTask<int> PruneRunsAsync(DateTimeOffset before, int batchSize) =>
        await connection.ExecuteAsync(Sql.PruneRuns, new { before = Ms.Of(before), limit = batchSize }, transaction);
}
