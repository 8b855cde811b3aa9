using SmartApi.Storage.Compliance;

namespace SmartApi.Storage.Postgres.Tests;

/// <summary>
/// Several nodes write: each node's writer routes with its own in-memory subscription snapshot,
/// which the routing version (migration 0011) keeps as fresh as the committed rows.
/// </summary>
public sealed class PostgresRoutingTests : OutboxComplianceTests
{
    private readonly PostgresTestSchema _schema = new();
    private PostgresSmartApiStore? _other;

    protected override async Task<ISmartApiStore> CreateStoreAsync() => await _schema.OpenAsync(Time, Token);

    /// <summary>A second node: another store (its own writer and snapshot) on the same database.</summary>
    private async Task<PostgresSmartApiStore> OtherNodeAsync()
    {
        _other = new PostgresSmartApiStore(new PostgresStorageOptions { ConnectionString = _schema.ConnectionString }, Time);
        await _other.MigrateAsync(Token);
        return _other;
    }

    public override async ValueTask DisposeAsync()
    {
        if (_other is not null)
        {
            await _other.DisposeAsync();
        }
        await base.DisposeAsync();
        await _schema.DisposeAsync();
    }

    [Fact]
    public async Task An_automation_created_on_one_node_routes_the_other_nodes_very_next_append()
    {
        var organization = await CreateOrganizationAsync();
        var other = await OtherNodeAsync();
        // The other node routes once with nothing subscribed, so it holds a (now stale) snapshot.
        await other.AppendEventAsync(NewEvent(organization.Id), cancellationToken: Token);

        var (automation, webhook) = await CreateAutomationAsync(organization.Id);
        var routed = await other.AppendEventAsync(NewEvent(organization.Id), cancellationToken: Token);

        var delivery = Assert.Single(await DeliveriesAsync(organization.Id));
        Assert.Equal((routed.Id, webhook.Id, automation.Id), (delivery.EventId, delivery.WebhookId, delivery.AutomationId));
    }

    [Fact]
    public async Task Disabling_and_deleting_on_one_node_stop_the_other_nodes_very_next_append()
    {
        var organization = await CreateOrganizationAsync();
        var other = await OtherNodeAsync();
        var (automation, webhook) = await CreateAutomationAsync(organization.Id);
        await other.AppendEventAsync(NewEvent(organization.Id), cancellationToken: Token);
        Assert.Single(await DeliveriesAsync(organization.Id));

        await WriteAsync(tx => tx.DisableWebhookAsync(webhook.Id, "failing", Time.GetUtcNow()));
        await other.AppendEventAsync(NewEvent(organization.Id), cancellationToken: Token);
        Assert.Single(await DeliveriesAsync(organization.Id));

        await SaveAsync(automation, [Hook()], Everything); // saving again turns the webhook back on
        await other.AppendEventAsync(NewEvent(organization.Id), cancellationToken: Token);
        var deliveries = await DeliveriesAsync(organization.Id);
        Assert.Equal(2, deliveries.Count);
        Assert.Single(deliveries, d => d.Status == DeliveryStatus.Pending);

        await WriteAsync(tx => tx.DeleteAutomationAsync(organization.Id, automation.Id));
        await other.AppendEventAsync(NewEvent(organization.Id), cancellationToken: Token);
        Assert.Empty(await DeliveriesAsync(organization.Id));
    }

    [Fact]
    public async Task A_rolled_back_subscription_change_never_routes()
    {
        var organization = await CreateOrganizationAsync();
        await Assert.ThrowsAsync<InvalidOperationException>(() => WriteAsync(async tx =>
        {
            await tx.SaveAutomationAsync(NewAutomation(organization.Id), [Hook()], Everything);
            await tx.AppendEventAsync(NewEvent(organization.Id)); // routed with the unit's own change
            throw new InvalidOperationException("The unit fails after its append.");
        }));

        // Another change moves the routing version to the one the rolled-back snapshot would have had.
        var elsewhere = await CreateOrganizationAsync("Elsewhere");
        await CreateAutomationAsync(elsewhere.Id);
        await AppendAsync(NewEvent(organization.Id));

        Assert.Empty(await DeliveriesAsync(organization.Id));
    }
}
