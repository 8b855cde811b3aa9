namespace SmartApi.Storage.Compliance;

/// <summary>Helpers shared by the automation engine's areas: engine automations with a rule, and runs.</summary>
public abstract class EngineComplianceTests : OutboxComplianceTests
{
    /// <summary>An engine automation with one webhook, its event <paramref name="subscriptions"/> and a rule of <paramref name="kind"/>.</summary>
    protected async Task<Automation> CreateRuleAsync(string organizationId, string kind, DateTimeOffset? nextFireAt = null,
        IReadOnlyList<Subscription>? subscriptions = null, bool enabled = true)
    {
        var automation = NewAutomation(organizationId, enabled);
        await WriteAsync(async tx =>
        {
            await tx.SaveAutomationAsync(automation, [Hook()], subscriptions ?? []);
            await tx.SetRuleAsync(organizationId, automation.Id, kind, nextFireAt, resetPowerStates: true);
        });
        return automation;
    }

    protected AutomationRun NewRun(Automation automation, string status = RunStatus.Pending, string? eventId = null) =>
        new(Ids.New("run"), automation.OrganizationId, automation.Id, status, RuleKind.Schedule, eventId, """{"scheduledFor":"x"}""",
            Time.GetUtcNow(), null, null, Time.GetUtcNow(), status == RunStatus.Pending ? null : Time.GetUtcNow());
}
