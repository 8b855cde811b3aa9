using SmartApi.Storage.Routing;

namespace SmartApi.Storage.Sqlite;

internal sealed partial class SqliteStoreTransaction
{
    /// <summary>Runs queued in this transaction (the writer announces them after commit).</summary>
    public int QueuedRuns { get; private set; }

    /// <summary>Forgets runs queued since <paramref name="count"/> was read: their unit rolled back to its savepoint.</summary>
    public void RollBackQueuedRuns(int count) => QueuedRuns = count;

    public override async ValueTask InsertRunAsync(AutomationRun run)
    {
        if (run.Status == RunStatus.Pending)
        {
            QueuedRuns++;
        }
        await Command(Sql.InsertRun)
            .With("@id", run.Id)
            .With("@org", run.OrganizationId)
            .With("@automation", run.AutomationId)
            .With("@status", run.Status)
            .With("@triggerType", run.TriggerType)
            .With("@event", run.EventId)
            .With("@trigger", run.TriggerJson)
            .With("@triggeredAt", Ms.Of(run.TriggeredAt))
            .With("@reason", run.Reason)
            .With("@result", run.ResultJson)
            .With("@createdAt", Ms.Of(run.CreatedAt))
            .With("@finishedAt", Ms.Of(run.FinishedAt))
            .ExecuteNonQueryAsync();
    }

    public override async ValueTask<IReadOnlyList<AutomationRun>> ClaimRunsAsync(string owner, DateTimeOffset now, DateTimeOffset leaseUntil, int limit) =>
        (await Command(Dialect.ClaimRuns).With("@owner", owner).With("@now", Ms.Of(now)).With("@leaseUntil", Ms.Of(leaseUntil)).With("@limit", limit)
            .ListAsync<RunRow>()).Select(r => r.ToEntity()).ToList();

    public override async ValueTask<bool> CompleteRunAsync(string runId, string owner, string status, string? reason, string resultJson, DateTimeOffset finishedAt) =>
        await Command(Sql.CompleteRun)
            .With("@id", runId).With("@owner", owner).With("@status", status).With("@reason", reason).With("@result", resultJson)
            .With("@at", Ms.Of(finishedAt))
            .ExecuteNonQueryAsync() == 1;

    public async ValueTask<IReadOnlyList<string>> QueueAutomationDeliveriesAsync(string organizationId, string automationId, string eventId, DateTimeOffset now)
    {
        var stored = await Command(Sql.GetEventForDelivery).With("@org", organizationId).With("@id", eventId).SingleOrDefaultAsync<EventPositionRow>();
        if (stored is null)
        {
            return [];
        }
        // The engine's deliveries go where a test event would: the automation's active webhooks.
        var webhooks = subscriptionIndex.Deliveries;
        webhooks.Clear();
        EventRouter.Route(await subscriptionIndex.GetAsync(transaction), 0, organizationId, stored.Type, stored.DeviceId, automationId,
            webhooks, subscriptionIndex.Runs);
        var queued = new List<string>(webhooks.Count);
        var at = Ms.Of(now);
        foreach (var webhook in webhooks)
        {
            var id = Ids.New("dlv");
            QueuedDeliveries++;
            await Command(Sql.InsertDelivery)
                .With("@id", id)
                .With("@org", organizationId)
                .With("@automation", automationId)
                .With("@webhook", webhook.WebhookId)
                .With("@event", eventId)
                .With("@position", stored.Position)
                .With("@type", stored.Type)
                .With("@device", stored.DeviceId)
                .With("@orderingKey", EventRouter.OrderingKey(webhook.WebhookId, webhook.Ordered, stored.DeviceId))
                .With("@at", at)
                .ExecuteNonQueryAsync();
            queued.Add(id);
        }
        return queued;
    }

    public override async ValueTask<IReadOnlyList<PowerTriggerState>> ListPowerStatesAsync(string deviceId) =>
        (await Command(Sql.ListPowerStates).With("@device", deviceId).ListAsync<PowerStateRow>()).Select(r => r.ToEntity()).ToList();

    public override async ValueTask UpsertPowerStateAsync(PowerTriggerState state) =>
        await Command(Sql.UpsertPowerState)
            .With("@automation", state.AutomationId).With("@device", state.DeviceId).With("@org", state.OrganizationId)
            .With("@phase", state.Phase).With("@since", Ms.Of(state.Since)).With("@due", Ms.Of(state.DueAt))
            .ExecuteNonQueryAsync();

    public override async ValueTask DeletePowerStateAsync(string automationId, string deviceId) =>
        await Command(Sql.DeletePowerState).With("@automation", automationId).With("@device", deviceId).ExecuteNonQueryAsync();

    public override async ValueTask<bool> FirePowerStateAsync(string automationId, string deviceId, DateTimeOffset since) =>
        await Command(Sql.FirePowerState).With("@automation", automationId).With("@device", deviceId).With("@since", Ms.Of(since))
            .ExecuteNonQueryAsync() == 1;
}
