using Dapper;

namespace SmartApi.Storage.Relational;

public abstract partial class RelationalSmartApiStore
{
    public async Task<Automation?> GetAutomationAsync(string organizationId, string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return (await connection.QuerySingleOrDefaultAsync<AutomationRow>(RelationalSql.GetAutomation, new { org = organizationId, id }))?.ToEntity();
    }

    public async Task<PageResult<Automation>> ListAutomationsAsync(string organizationId, PageRequest page, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<AutomationRow>(RelationalSql.ListAutomations,
            new { org = organizationId, after = page.After ?? "", limit = page.Limit + 1 });
        return PageResult.From(rows.Select(r => r.ToEntity()), page.Limit);
    }

    public async Task<IReadOnlyList<Webhook>> ListWebhooksAsync(string automationId, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<WebhookRow>(RelationalSql.ListLiveWebhooks, new { automation = automationId })).Select(r => r.ToEntity()).ToList();
    }

    public async Task<IReadOnlyList<Webhook>> ListWebhooksAsync(IReadOnlyCollection<string> automationIds, CancellationToken cancellationToken = default)
    {
        if (automationIds.Count == 0)
        {
            return [];
        }
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<WebhookRow>(Dialect.ListWebhooksOfAutomations, new { ids = Dialect.IdList(automationIds) }))
            .Select(r => r.ToEntity()).ToList();
    }

    public async Task<IReadOnlyList<WebhookCircuit>> ListWebhookCircuitsAsync(IReadOnlyCollection<string> webhookIds, CancellationToken cancellationToken = default)
    {
        if (webhookIds.Count == 0)
        {
            return [];
        }
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<WebhookCircuitRow>(Dialect.ListWebhookCircuits, new { ids = Dialect.IdList(webhookIds) }))
            .Select(r => r.ToEntity()).ToList();
    }

    public async Task<IReadOnlyList<Webhook>> ListWebhooksWithHeadersAsync(string afterId, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<WebhookRow>(RelationalSql.ListWebhooksWithHeaders, new { after = afterId, limit })).Select(r => r.ToEntity()).ToList();
    }

    public async Task<IReadOnlyList<AutomationSecret>> ListActiveSecretsAsync(string automationId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<SecretRow>(RelationalSql.ListActiveSecrets, new { automation = automationId, now = Ms.Of(now) }))
            .Select(r => r.ToEntity()).ToList();
    }

    public async Task<Delivery?> GetDeliveryAsync(string organizationId, string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return (await connection.QuerySingleOrDefaultAsync<DeliveryRow>(RelationalSql.GetDelivery, new { org = organizationId, id }))?.ToEntity();
    }

    public async Task<PageResult<Delivery>> ListDeliveriesAsync(string organizationId, DeliveryFilter filter, PageRequest page, CancellationToken cancellationToken = default)
    {
        var sql = RelationalSql.ListDeliveries + RelationalSql.DeliveryConditions(filter)
            + (filter.NewestFirst ? RelationalSql.DeliveriesBefore : RelationalSql.DeliveriesAfter);
        var parameters = RelationalSql.DeliveryParameters(organizationId, filter);
        parameters.Add("after", page.After ?? (filter.NewestFirst ? "~" : ""));
        parameters.Add("limit", page.Limit + 1);
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<DeliveryRow>(sql, parameters);
        return PageResult.From(rows.Select(r => r.ToEntity()), page.Limit);
    }

    public async Task<IReadOnlyList<DeliveryAttempt>> ListAttemptsAsync(string deliveryId, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<AttemptRow>(RelationalSql.ListAttempts, new { id = deliveryId })).Select(r => r.ToEntity()).ToList();
    }

    public async Task<long> CountPendingDeliveriesAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(RelationalSql.CountPending);
    }

    public async Task<PageResult<AutomationRun>> ListRunsAsync(string organizationId, string automationId, PageRequest page, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        // Newest first: "~" sorts after every id, so no cursor means from the newest.
        var rows = await connection.QueryAsync<RunRow>(RelationalSql.ListRuns,
            new { org = organizationId, automation = automationId, before = page.After ?? "~", limit = page.Limit + 1 });
        return PageResult.From(rows.Select(r => r.ToEntity()), page.Limit);
    }

    public async Task<AutomationRule?> GetRuleAsync(string automationId, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return (await connection.QuerySingleOrDefaultAsync<RuleRow>(RelationalSql.GetRule, new { automation = automationId }))?.ToEntity();
    }

    public async Task<IReadOnlyList<Automation>> ListRuleAutomationsAsync(string kind, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<AutomationRow>(Dialect.ListRuleAutomations, new { kind })).Select(r => r.ToEntity()).ToList();
    }

    public async Task<IReadOnlyList<AutomationRule>> ListDueSchedulesAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<RuleRow>(Dialect.ListDueSchedules, new { now = Ms.Of(now), limit })).Select(r => r.ToEntity()).ToList();
    }

    public async Task<IReadOnlyList<PowerTriggerState>> ListDuePowerStatesAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<PowerStateRow>(RelationalSql.ListDuePowerStates, new { now = Ms.Of(now), limit })).Select(r => r.ToEntity()).ToList();
    }

    public async Task<IReadOnlyList<ScheduledCommand>> ListDueScheduledCommandsAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<ScheduledCommandRow>(RelationalSql.ListDueScheduledCommands, new { now = Ms.Of(now), limit }))
            .Select(r => r.ToEntity()).ToList();
    }
}
