namespace SmartApi.Storage;

// The automation engine: schedules, power trigger states, runs and delayed commands.

public partial interface ISmartApiStore
{
    /// <summary>Runs of an automation, newest first, before the cursor (a run id).</summary>
    Task<PageResult<AutomationRun>> ListRunsAsync(string organizationId, string automationId, PageRequest page, CancellationToken cancellationToken = default);

    Task<AutomationRule?> GetRuleAsync(string automationId, CancellationToken cancellationToken = default);

    /// <summary>Enabled automations whose rule is of <paramref name="kind"/> (the power trigger index).</summary>
    Task<IReadOnlyList<Automation>> ListRuleAutomationsAsync(string kind, CancellationToken cancellationToken = default);

    /// <summary>Schedule rules of enabled automations with <c>NextFireAt &lt;= now</c>, earliest first.</summary>
    Task<IReadOnlyList<AutomationRule>> ListDueSchedulesAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default);

    /// <summary>Pending power states with <c>DueAt &lt;= now</c>.</summary>
    Task<IReadOnlyList<PowerTriggerState>> ListDuePowerStatesAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default);

    /// <summary>Scheduled commands with <c>DueAt &lt;= now</c>, earliest first.</summary>
    Task<IReadOnlyList<ScheduledCommand>> ListDueScheduledCommandsAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default);
}

public partial interface IStoreTransaction
{
    /// <summary>
    /// Sets the engine's rule of an automation: <paramref name="kind"/> null removes it (a plain
    /// event-to-webhook automation). <paramref name="subscriptions"/> are the event types and devices
    /// that queue a run when appended (kind <see cref="RuleKind.Event"/>). The last run is kept.
    /// With <paramref name="resetPowerStates"/> the automation's power states are dropped (its trigger changed).
    /// </summary>
    ValueTask SetRuleAsync(string organizationId, string automationId, string? kind, DateTimeOffset? nextFireAt,
        IReadOnlyList<Subscription> subscriptions, bool resetPowerStates);

    /// <summary>Moves a schedule from <paramref name="expected"/> to <paramref name="next"/> (null: no more occurrences); false when another node did it first.</summary>
    ValueTask<bool> ClaimScheduleAsync(string automationId, DateTimeOffset expected, DateTimeOffset? next);

    /// <summary>
    /// Starts a run at <paramref name="at"/> unless the last one was less than <paramref name="cooldown"/>
    /// before it; false (and nothing changed) inside the cooldown.
    /// </summary>
    ValueTask<bool> ClaimCooldownAsync(string automationId, DateTimeOffset at, TimeSpan cooldown);

    ValueTask InsertRunAsync(AutomationRun run);

    /// <summary>Leases up to <paramref name="limit"/> pending runs; a run whose lease lapsed (its runner died) is claimable again.</summary>
    ValueTask<IReadOnlyList<AutomationRun>> ClaimRunsAsync(string owner, DateTimeOffset now, DateTimeOffset leaseUntil, int limit);

    /// <summary>Finishes a pending run leased by <paramref name="owner"/>; false when it is not (its lease was taken over).</summary>
    ValueTask<bool> CompleteRunAsync(string runId, string owner, string status, string? reason, string resultJson, DateTimeOffset finishedAt);

    /// <summary>Queues a delivery of an event to each active webhook of one automation; returns the delivery ids.</summary>
    ValueTask<IReadOnlyList<string>> QueueAutomationDeliveriesAsync(string organizationId, string automationId, string eventId, DateTimeOffset now);

    /// <summary>The power states of a device, across automations.</summary>
    ValueTask<IReadOnlyList<PowerTriggerState>> ListPowerStatesAsync(string deviceId);

    ValueTask UpsertPowerStateAsync(PowerTriggerState state);
    ValueTask DeletePowerStateAsync(string automationId, string deviceId);

    /// <summary>Moves a pending state that began at <paramref name="since"/> to fired; false when it changed meanwhile.</summary>
    ValueTask<bool> FirePowerStateAsync(string automationId, string deviceId, DateTimeOffset since);

    ValueTask InsertScheduledCommandAsync(ScheduledCommand command);

    /// <summary>Removes a scheduled command to carry it out; false when another node took it.</summary>
    ValueTask<bool> TakeScheduledCommandAsync(string id);

    /// <summary>Deletes up to <paramref name="batchSize"/> finished runs created before <paramref name="before"/>.</summary>
    ValueTask<int> PruneRunsAsync(DateTimeOffset before, int batchSize);
}
