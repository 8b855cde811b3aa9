using WebhookEventTypes = SmartApi.Webhooks.Events.WebhookEventTypes;
using SmartApi.Contracts;
using SmartApi.Server.Events;
using SmartApi.Server.Infrastructure;
using SmartApi.Server.Webhooks;
using SmartApi.Storage;
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
    IOptions<SmartApiOptions> options)
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
            await tx.InsertSecretAsync(stored);
            return true;
        }, cancellationToken);
        return (automation, secret);
    }

    public async Task<Automation> UpdateAsync(Automation current, string name, bool enabled, AutomationDefinition definition, CancellationToken cancellationToken)
    {
        var updated = current with { Name = name, Enabled = enabled, DefinitionJson = definition.ToJson(), UpdatedAt = time.GetUtcNow() };
        await store.WriteAsync(async tx =>
        {
            await tx.SaveAutomationAsync(updated, definition.Webhooks(), definition.Subscriptions());
            return true;
        }, cancellationToken);
        return updated;
    }

    public Task<bool> DeleteAsync(string organizationId, string id, CancellationToken cancellationToken) =>
        store.WriteAsync(tx => tx.DeleteAutomationAsync(organizationId, id), cancellationToken);

    /// <summary>Appends an <c>automation.test</c> event delivered to this automation's webhooks only.</summary>
    public async Task<(StoredEvent Event, IReadOnlyList<string> DeliveryIds)> TestAsync(Automation automation, CancellationToken cancellationToken)
    {
        var test = events.Create(WebhookEventTypes.AutomationTest, automation.OrganizationId, null,
            new AutomationEventData(automation.Id), EventDataJsonContext.Default.AutomationEventData) with { TargetAutomationId = automation.Id };
        var stored = await store.WriteAsync(tx => tx.AppendEventAsync(test), cancellationToken);
        var deliveries = await store.ListDeliveriesAsync(automation.OrganizationId, new DeliveryFilter(EventId: stored.Id), new PageRequest(null, 100), cancellationToken);
        return (stored, deliveries.Items.Select(d => d.Id).ToList());
    }

    /// <summary>A new secret signs from now on; the previous ones keep signing during the overlap.</summary>
    public async Task<(string Secret, DateTimeOffset PreviousExpireAt)> RotateSecretAsync(Automation automation, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var expireAt = now + options.Value.Webhooks.SecretRotationOverlap;
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

    public async Task<AutomationResponse> ToResponseAsync(Automation automation, string? secret, CancellationToken cancellationToken) =>
        ToResponse(automation, secret, (await store.ListWebhooksAsync(automation.Id, cancellationToken)).ToDictionary(w => w.ActionIndex));

    /// <summary>A page of automations with one webhook query for all of them.</summary>
    public async Task<IReadOnlyList<AutomationResponse>> ToResponsesAsync(IReadOnlyList<Automation> automations, CancellationToken cancellationToken)
    {
        var webhooks = (await store.ListWebhooksAsync(automations.Select(a => a.Id).ToList(), cancellationToken))
            .Where(w => w.Status != WebhookStatus.Removed)
            .ToLookup(w => w.AutomationId);
        return automations.Select(a => ToResponse(a, null, webhooks[a.Id].ToDictionary(w => w.ActionIndex))).ToList();
    }

    private static AutomationResponse ToResponse(Automation automation, string? secret, Dictionary<int, Webhook> webhooks)
    {
        var definition = AutomationDefinition.FromJson(automation.DefinitionJson);
        var actions = definition.Actions.Select((action, index) =>
        {
            webhooks.TryGetValue(index, out var webhook);
            return new AutomationActionResponse(action.Type, action.Url, action.Headers ?? [], action.Ordered, action.StandardWebhooks,
                webhook?.Status, webhook?.DisabledReason, action.Type == "webhook" ? secret : null);
        }).ToList();
        return new AutomationResponse(automation.Id, automation.OrganizationId, automation.Name, automation.Enabled, definition.Trigger,
            definition.Conditions, actions, definition.CooldownSeconds, automation.CreatedAt, automation.UpdatedAt);
    }
}
