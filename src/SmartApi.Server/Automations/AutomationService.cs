using SmartApi.Webhooks.Events;
using SmartApi.Contracts;
using SmartApi.Server.Events;
using SmartApi.Server.Webhooks;
using SmartApi.Storage;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace SmartApi.Server.Automations;

/// <summary>Automation changes; each commits with its webhooks, subscriptions and secrets in one transaction.</summary>
internal sealed class AutomationService(
    ISmartApiStore store,
    IdGenerator ids,
    TimeProvider time,
    EventFactory events,
    SecretProtector protector,
    SigningSecrets signingSecrets,
    PowerTriggers powerTriggers,
    AutomationScheduler scheduler,
    IOptions<WebhookOptions> options)
{
    public const int MaxRecoverDeliveries = 10_000;
    public static readonly TimeSpan MaxRecoverAge = TimeSpan.FromDays(14);

    public async Task<(Automation Automation, string Secret)> CreateAsync(
        string organizationId, string name, bool enabled, AutomationDefinition definition, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var automation = new Automation(ids.New("aut"), organizationId, name, enabled, definition.ToJson(), now, now);
        var secret = SigningSecrets.Generate();
        var stored = new AutomationSecret(ids.New("sec"), automation.Id, protector.Protect(secret), now, null);
        await store.WriteAsync(async tx =>
        {
            await tx.SaveAutomationAsync(automation, definition.Webhooks(), definition.Subscriptions());
            await SaveRuleAsync(tx, automation, definition, null, resetPowerStates: true);
            await tx.InsertSecretAsync(stored);
            return true;
        }, cancellationToken);
        await AnnounceAsync(cancellationToken);
        return (automation, secret);
    }

    public async Task<Automation> UpdateAsync(Automation current, string name, bool enabled, AutomationDefinition definition, CancellationToken cancellationToken)
    {
        var updated = current with { Name = name, Enabled = enabled, DefinitionJson = definition.ToJson(), UpdatedAt = time.GetUtcNow() };
        var previous = AutomationDefinition.FromJson(current.DefinitionJson);
        var sameTrigger = current.Enabled == enabled && SameTrigger(previous.Trigger, definition.Trigger);
        // An unchanged schedule keeps its claimed position, so saving never skips an occurrence that is due.
        var keepNextFire = sameTrigger && definition.Trigger.Schedule is not null ? (await store.GetRuleAsync(current.Id, cancellationToken))?.NextFireAt : null;
        await store.WriteAsync(async tx =>
        {
            await tx.SaveAutomationAsync(updated, definition.Webhooks(), definition.Subscriptions());
            await SaveRuleAsync(tx, updated, definition, keepNextFire, resetPowerStates: !sameTrigger);
            return true;
        }, cancellationToken);
        await AnnounceAsync(cancellationToken);
        return updated;
    }

    public async Task<bool> DeleteAsync(string organizationId, string id, CancellationToken cancellationToken)
    {
        var deleted = await store.WriteAsync(tx => tx.DeleteAutomationAsync(organizationId, id), cancellationToken);
        await AnnounceAsync(cancellationToken);
        return deleted;
    }

    private ValueTask SaveRuleAsync(IStoreTransaction tx, Automation automation, AutomationDefinition definition, DateTimeOffset? keepNextFire, bool resetPowerStates)
    {
        var next = definition.Trigger.Schedule is { } schedule
            ? keepNextFire ?? CronSchedule.Create(schedule.Cron!, schedule.TimeZone).Next(time.GetUtcNow())
            : null;
        return tx.SetRuleAsync(automation.OrganizationId, automation.Id, definition.RuleKind, next, resetPowerStates);
    }

    private static bool SameTrigger(AutomationTrigger a, AutomationTrigger b) =>
        JsonSerializer.Serialize(a, SmartApiJsonContext.Default.AutomationTrigger) == JsonSerializer.Serialize(b, SmartApiJsonContext.Default.AutomationTrigger);

    /// <summary>This node's engine sees the change at once; other nodes within their index refresh.</summary>
    private async Task AnnounceAsync(CancellationToken cancellationToken)
    {
        await powerTriggers.RefreshAsync(cancellationToken);
        scheduler.Wake();
    }

    /// <summary>Appends an <c>automation.test</c> event delivered to this automation's webhooks only.</summary>
    public async Task<(StoredEvent Event, IReadOnlyList<string> DeliveryIds)> TestAsync(Automation automation, CancellationToken cancellationToken)
    {
        var test = events.Create(WebhookEventTypes.AutomationTest, automation.OrganizationId, new AutomationTestData(automation.Id)) with { TargetAutomationId = automation.Id };
        var stored = await store.AppendEventAsync(test, cancellationToken: cancellationToken);
        var deliveries = await store.ListDeliveriesAsync(automation.OrganizationId, new DeliveryFilter(EventId: stored.Id), new PageRequest(null, 100), cancellationToken);
        return (stored, deliveries.Items.Select(d => d.Id).ToList());
    }

    /// <summary>A new secret signs from now on; the previous ones keep signing during the overlap.</summary>
    public async Task<(string Secret, DateTimeOffset PreviousExpireAt)> RotateSecretAsync(Automation automation, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var expireAt = now + options.Value.SecretRotationOverlap;
        var secret = SigningSecrets.Generate();
        var stored = new AutomationSecret(ids.New("sec"), automation.Id, protector.Protect(secret), now, null);
        await store.WriteAsync(async tx =>
        {
            await tx.ExpireSecretsAsync(automation.Id, expireAt);
            await tx.InsertSecretAsync(stored);
            return true;
        }, cancellationToken);
        signingSecrets.Invalidate(automation.Id);
        return (secret, expireAt);
    }

    public Task<int> RecoverAsync(Automation automation, DateTimeOffset since, CancellationToken cancellationToken) =>
        store.WriteAsync(tx => tx.RecoverDeliveriesAsync(automation.OrganizationId, automation.Id, since, MaxRecoverDeliveries, time.GetUtcNow()), cancellationToken);

    public async Task<AutomationResponse> ToResponseAsync(Automation automation, string? secret, CancellationToken cancellationToken)
    {
        var webhooks = await store.ListWebhooksAsync(automation.Id, cancellationToken);
        var circuits = await CircuitsAsync(webhooks, cancellationToken);
        return ToResponse(automation, secret, webhooks.ToDictionary(w => w.ActionIndex), circuits);
    }

    private async Task<Dictionary<string, WebhookCircuit>> CircuitsAsync(IReadOnlyCollection<Webhook> webhooks, CancellationToken cancellationToken) =>
        (await store.ListWebhookCircuitsAsync(webhooks.Select(w => w.Id).ToList(), cancellationToken)).ToDictionary(c => c.WebhookId, StringComparer.Ordinal);

    /// <summary>A page of automations with one webhook query for all of them.</summary>
    public async Task<IReadOnlyList<AutomationResponse>> ToResponsesAsync(IReadOnlyList<Automation> automations, CancellationToken cancellationToken)
    {
        var live = (await store.ListWebhooksAsync(automations.Select(a => a.Id).ToList(), cancellationToken))
            .Where(w => w.Status != WebhookStatus.Removed)
            .ToList();
        var circuits = await CircuitsAsync(live, cancellationToken);
        var webhooks = live.ToLookup(w => w.AutomationId);
        return automations.Select(a => ToResponse(a, null, webhooks[a.Id].ToDictionary(w => w.ActionIndex), circuits)).ToList();
    }

    /// <summary>The answer of every read, create and update: custom header values are masked, never decrypted.</summary>
    private static AutomationResponse ToResponse(Automation automation, string? secret, Dictionary<int, Webhook> webhooks,
        Dictionary<string, WebhookCircuit> circuits)
    {
        var definition = AutomationDefinition.FromJson(automation.DefinitionJson);
        var actions = definition.Actions.Select((action, index) =>
        {
            webhooks.TryGetValue(index, out var webhook);
            return action.Type == ActionTypes.Switch
                ? new AutomationActionResponse(action.Type, null, null, false, false, null, DeviceId: action.DeviceId, State: action.State,
                    RevertAfterSeconds: action.RevertAfterSeconds, Tag: action.Tag)
                : new AutomationActionResponse(action.Type, action.Url, CustomHeaders.Masked(action.Headers), action.Ordered, action.StandardWebhooks,
                    webhook?.Status, webhook?.DisabledReason, secret, RateLimit: RateLimitOf(action.Limits()),
                    CircuitBreaker: CircuitBreakerOf(action.Limits()),
                    Circuit: webhook is not null && circuits.TryGetValue(webhook.Id, out var circuit) ? CircuitStateOf(circuit) : null);
        }).ToList();
        return new AutomationResponse(automation.Id, automation.OrganizationId, automation.Name, automation.Enabled, definition.Trigger,
            definition.Conditions, actions, definition.CooldownSeconds, automation.CreatedAt, automation.UpdatedAt);
    }

    private static WebhookRateLimit? RateLimitOf(WebhookLimits limits) =>
        limits.RatePerSecond is { } rate ? new WebhookRateLimit(rate, limits.RateBurst) : null;

    private static WebhookCircuitBreaker CircuitBreakerOf(WebhookLimits limits) =>
        limits.FailureThreshold == 0
            ? new WebhookCircuitBreaker(false)
            : new WebhookCircuitBreaker(true, limits.FailureThreshold, (int)limits.ProbeInterval.TotalSeconds);

    private static WebhookCircuitState CircuitStateOf(WebhookCircuit circuit) =>
        new(circuit.State, circuit.FailureStreak, circuit.State == CircuitState.Closed ? null : circuit.NextProbeAt, circuit.ChangedAt);
}
