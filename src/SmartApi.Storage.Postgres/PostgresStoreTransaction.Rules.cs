using SmartApi.Storage.Routing;

namespace SmartApi.Storage.Postgres;

internal sealed partial class PostgresStoreTransaction
{
    public async ValueTask SetRuleAsync(string organizationId, string automationId, string? kind, DateTimeOffset? nextFireAt,
        IReadOnlyList<Subscription> subscriptions, bool resetPowerStates)
    {
        await db.ChangingSubscriptionsAsync();
        var automation = new { automation = automationId };
        await db.ExecuteAsync(Sql.DeleteRuleSubscriptions, automation);
        if (resetPowerStates || kind != RuleKind.Power)
        {
            await db.ExecuteAsync(Sql.DeleteAutomationPowerStates, automation);
        }
        if (kind is null)
        {
            await db.ExecuteAsync(Sql.DeleteRule, automation);
            return;
        }
        await db.ExecuteAsync(Sql.UpsertRule, new { automation = automationId, org = organizationId, kind, next = Ms.Of(nextFireAt) });
        await db.ExecuteAsync(Sql.InsertRuleSubscription,
            subscriptions.Select(s => new { org = organizationId, type = s.EventType, device = s.DeviceId ?? "", automation = automationId }));
    }

    public async ValueTask<bool> ClaimScheduleAsync(string automationId, DateTimeOffset expected, DateTimeOffset? next) =>
        await db.ExecuteAsync(Sql.ClaimSchedule, new { automation = automationId, expected = Ms.Of(expected), next = Ms.Of(next) }) == 1;

    public async ValueTask<bool> ClaimCooldownAsync(string automationId, DateTimeOffset at, TimeSpan cooldown) =>
        await db.ExecuteAsync(Sql.ClaimCooldown,
            new { automation = automationId, at = Ms.Of(at), cooldown = (long)cooldown.TotalMilliseconds }) == 1;

    public async ValueTask InsertRunAsync(AutomationRun run)
    {
        if (run.Status == RunStatus.Pending)
        {
            db.QueuedRuns++;
        }
        await db.ExecuteAsync(Sql.InsertRun, new
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

    public async ValueTask<IReadOnlyList<AutomationRun>> ClaimRunsAsync(string owner, DateTimeOffset now, DateTimeOffset leaseUntil, int limit) =>
        (await db.QueryAsync<RunRow>(Sql.ClaimRuns, new { owner, now = Ms.Of(now), leaseUntil = Ms.Of(leaseUntil), limit }))
            .Select(r => r.ToEntity()).OrderBy(r => r.CreatedAt).ThenBy(r => r.Id, StringComparer.Ordinal).ToList();

    public async ValueTask<bool> CompleteRunAsync(string runId, string owner, string status, string? reason, string resultJson, DateTimeOffset finishedAt) =>
        await db.ExecuteAsync(Sql.CompleteRun,
            new { id = runId, owner, status, reason, result = resultJson, at = Ms.Of(finishedAt) }) == 1;

    public async ValueTask<IReadOnlyList<string>> QueueAutomationDeliveriesAsync(string organizationId, string automationId, string eventId, DateTimeOffset now)
    {
        var stored = await db.QuerySingleOrDefaultAsync<EventPositionRow>(Sql.GetEventForDelivery, new { org = organizationId, id = eventId });
        if (stored is null)
        {
            return [];
        }
        // The engine's deliveries go where a test event would: the automation's active webhooks.
        var webhooks = new List<RoutedDelivery>();
        EventRouter.Route(await db.GetSubscriptionsAsync(), 0, organizationId, stored.Type, stored.DeviceId, automationId, webhooks, []);
        if (webhooks.Count == 0)
        {
            return [];
        }
        var deliveryIds = webhooks.Select(_ => ids.New("dlv")).ToArray();
        db.QueuedDeliveries += webhooks.Count;
        await db.ExecuteAsync(Sql.InsertRunDeliveries, new
        {
            org = organizationId,
            automation = automationId,
            @event = eventId,
            position = stored.Position,
            type = stored.Type,
            device = stored.DeviceId,
            at = Ms.Of(now),
            ids = deliveryIds,
            webhooks = webhooks.Select(m => m.WebhookId).ToArray(),
            orderingKeys = webhooks.Select(m => EventRouter.OrderingKey(m.WebhookId, m.Ordered, stored.DeviceId)).ToArray(),
        });
        return deliveryIds;
    }

    public async ValueTask<IReadOnlyList<PowerTriggerState>> ListPowerStatesAsync(string deviceId) =>
        (await db.QueryAsync<PowerStateRow>(Sql.ListPowerStates, new { device = deviceId })).Select(r => r.ToEntity()).ToList();

    public async ValueTask UpsertPowerStateAsync(PowerTriggerState state) =>
        await db.ExecuteAsync(Sql.UpsertPowerState, new
        {
            automation = state.AutomationId,
            device = state.DeviceId,
            org = state.OrganizationId,
            phase = state.Phase,
            since = Ms.Of(state.Since),
            due = Ms.Of(state.DueAt),
        });

    public async ValueTask DeletePowerStateAsync(string automationId, string deviceId) =>
        await db.ExecuteAsync(Sql.DeletePowerState, new { automation = automationId, device = deviceId });

    public async ValueTask<bool> FirePowerStateAsync(string automationId, string deviceId, DateTimeOffset since) =>
        await db.ExecuteAsync(Sql.FirePowerState, new { automation = automationId, device = deviceId, since = Ms.Of(since) }) == 1;

    public async ValueTask InsertScheduledCommandAsync(ScheduledCommand command) =>
        await db.ExecuteAsync(Sql.InsertScheduledCommand, new
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
        await db.ExecuteAsync(Sql.TakeScheduledCommand, new { id }) == 1;

    public async ValueTask<int> PruneRunsAsync(DateTimeOffset before, int batchSize) =>
        await db.ExecuteAsync(Sql.PruneRuns, new { before = Ms.Of(before), limit = batchSize });
}
