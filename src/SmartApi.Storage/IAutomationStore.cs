namespace SmartApi.Storage;

/// <summary>
/// Automations: their definitions, webhooks and signing secrets, and the engine's state (rules,
/// schedules, power trigger states, runs and delayed commands).
/// </summary>
public interface IAutomationStore
{
    Task<Automation?> GetAutomationAsync(string organizationId, string id, CancellationToken cancellationToken = default);
    Task<PageResult<Automation>> ListAutomationsAsync(string organizationId, PageRequest page, CancellationToken cancellationToken = default);

    /// <summary>The automation's webhooks that are not removed, by action index.</summary>
    Task<IReadOnlyList<Webhook>> ListWebhooksAsync(string automationId, CancellationToken cancellationToken = default);

    /// <summary>The webhooks (removed ones included) of several automations at once, for list pages.</summary>
    Task<IReadOnlyList<Webhook>> ListWebhooksAsync(IReadOnlyCollection<string> automationIds, CancellationToken cancellationToken = default);

    /// <summary>
    /// Webhooks of every organization, removed ones included, whose custom headers are not empty,
    /// in id order after <paramref name="afterId"/> (start with ""): for start-up maintenance of
    /// stored header values.
    /// </summary>
    Task<IReadOnlyList<Webhook>> ListWebhooksWithHeadersAsync(string afterId, int limit, CancellationToken cancellationToken = default);

    /// <summary>Secrets that sign now: not expired at <paramref name="now"/>, newest first.</summary>
    Task<IReadOnlyList<AutomationSecret>> ListActiveSecretsAsync(string automationId, DateTimeOffset now, CancellationToken cancellationToken = default);

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

/// <summary>Changes to automation definitions, their webhooks and secrets inside a write transaction.</summary>
public interface IAutomationTransaction
{
    /// <summary>
    /// Inserts or replaces an automation with its webhooks and its event subscriptions (the one set
    /// of the automation, whatever its shape: its rule, <see cref="IAutomationRunTransaction.SetRuleAsync"/>,
    /// decides whether a matched event yields deliveries or a run). Webhooks keep their ids by action
    /// index; dropped ones become removed.
    /// </summary>
    /// <exception cref="DuplicateKeyException">The id belongs to an automation of another organization.</exception>
    ValueTask SaveAutomationAsync(Automation automation, IReadOnlyList<WebhookDefinition> webhooks, IReadOnlyList<Subscription> subscriptions);
    ValueTask<bool> DeleteAutomationAsync(string organizationId, string id);

    ValueTask InsertSecretAsync(AutomationSecret secret);

    /// <summary>
    /// Sets a webhook's headers only if they are still <paramref name="expected"/> (compare and set,
    /// so maintenance never overwrites a concurrent save); false if they were changed or the webhook is gone.
    /// </summary>
    ValueTask<bool> ReplaceWebhookHeadersAsync(string webhookId, string expected, string headersJson);

    /// <summary>Sets an automation's definition only if it is still <paramref name="expected"/>; <c>updated_at</c> is kept.</summary>
    ValueTask<bool> ReplaceAutomationDefinitionAsync(string automationId, string expected, string definitionJson);

    /// <summary>Makes every active secret of the automation expire at <paramref name="expiresAt"/> (rotation).</summary>
    ValueTask ExpireSecretsAsync(string automationId, DateTimeOffset expiresAt);
}

/// <summary>The automation engine inside a write transaction: schedules, power trigger states, runs and delayed commands.</summary>
public interface IAutomationRunTransaction
{
    /// <summary>
    /// Sets the engine's rule of an automation: <paramref name="kind"/> null removes it (a plain
    /// event-to-webhook automation, whose subscriptions yield deliveries); with kind
    /// <see cref="RuleKind.Event"/> the subscriptions saved with the automation queue a run instead.
    /// The last run is kept. With <paramref name="resetPowerStates"/> the automation's power states
    /// are dropped (its trigger changed).
    /// </summary>
    ValueTask SetRuleAsync(string organizationId, string automationId, string? kind, DateTimeOffset? nextFireAt, bool resetPowerStates);

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

    /// <summary>The power states of a device, across automations.</summary>
    ValueTask<IReadOnlyList<PowerTriggerState>> ListPowerStatesAsync(string deviceId);

    ValueTask UpsertPowerStateAsync(PowerTriggerState state);
    ValueTask DeletePowerStateAsync(string automationId, string deviceId);

    /// <summary>Moves a pending state that began at <paramref name="since"/> to fired; false when it changed meanwhile.</summary>
    ValueTask<bool> FirePowerStateAsync(string automationId, string deviceId, DateTimeOffset since);

    ValueTask InsertScheduledCommandAsync(ScheduledCommand command);

    /// <summary>Removes a scheduled command to carry it out; false when another node took it.</summary>
    ValueTask<bool> TakeScheduledCommandAsync(string id);
}
