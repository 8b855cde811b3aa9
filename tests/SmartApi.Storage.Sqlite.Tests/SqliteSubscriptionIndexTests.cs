using SmartApi.Storage.Compliance;

namespace SmartApi.Storage.Sqlite.Tests;

/// <summary>
/// The writer routes with a cached subscription snapshot (SubscriptionIndex): a change to what
/// routes must drop it before the same transaction appends again, not only when the transaction ends.
/// </summary>
public sealed class SqliteSubscriptionIndexTests : OutboxComplianceTests
{
    [Fact]
    public async Task A_webhook_disabled_inside_a_unit_stops_that_units_next_append()
    {
        var organization = await CreateOrganizationAsync();
        var (_, webhook) = await CreateAutomationAsync(organization.Id);

        await WriteAsync(async tx =>
        {
            await tx.AppendEventAsync(NewEvent(organization.Id)); // loads the snapshot, routes to the webhook
            Assert.True(await tx.DisableWebhookAsync(webhook.Id, "failing", Time.GetUtcNow()));
            await tx.AppendEventAsync(NewEvent(organization.Id));
        });

        var delivery = Assert.Single(await DeliveriesAsync(organization.Id));
        Assert.Equal(DeliveryStatus.Failed, delivery.Status); // failed by the disabling
    }

    [Fact]
    public async Task A_rule_set_inside_a_unit_routes_that_units_next_append()
    {
        var organization = await CreateOrganizationAsync();
        var (automation, _) = await CreateAutomationAsync(organization.Id);

        var runs = await WriteAsync(async tx =>
        {
            await tx.AppendEventAsync(NewEvent(organization.Id)); // loads the snapshot: no rule yet, a delivery
            await tx.SetRuleAsync(organization.Id, automation.Id, RuleKind.Event, null, resetPowerStates: false);
            await tx.AppendEventAsync(NewEvent(organization.Id));
            return await tx.ClaimRunsAsync("test", Time.GetUtcNow(), Time.GetUtcNow().AddMinutes(1), 10);
        });

        Assert.Equal(automation.Id, Assert.Single(runs).AutomationId);
    }
}
