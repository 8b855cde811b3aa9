using Dapper;

namespace SmartApi.Storage.Postgres;

public sealed partial class PostgresSmartApiStore
{
    /// <summary>Raised after a commit on this node that queued deliveries; other nodes' dispatchers find them by polling.</summary>
    public event EventHandler? DeliveriesQueued;

    public async Task<Automation?> GetAutomationAsync(string organizationId, string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return (await connection.QuerySingleOrDefaultAsync<AutomationRow>(Sql.GetAutomation, new { org = organizationId, id }))?.ToEntity();
    }

    public async Task<PageResult<Automation>> ListAutomationsAsync(string organizationId, PageRequest page, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<AutomationRow>(Sql.ListAutomations, new { org = organizationId, after = page.After ?? "", limit = page.Limit + 1 });
        return PageResult.From(rows.Select(r => r.ToEntity()), page.Limit);
    }

    public async Task<IReadOnlyList<Webhook>> ListWebhooksAsync(string automationId, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return (await connection.QueryAsync<WebhookRow>(Sql.ListLiveWebhooks, new { automation = automationId })).Select(r => r.ToEntity()).ToList();
    }

    public async Task<IReadOnlyList<Webhook>> ListWebhooksAsync(IReadOnlyCollection<string> automationIds, CancellationToken cancellationToken = default)
    {
        if (automationIds.Count == 0)
        {
            return [];
        }
        await using var connection = await OpenAsync(cancellationToken);
        return (await connection.QueryAsync<WebhookRow>(Sql.ListWebhooksOfAutomations, new { ids = automationIds.ToArray() })).Select(r => r.ToEntity()).ToList();
    }

    public async Task<IReadOnlyList<Webhook>> ListWebhooksWithHeadersAsync(string afterId, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return (await connection.QueryAsync<WebhookRow>(Sql.ListWebhooksWithHeaders, new { after = afterId, limit })).Select(r => r.ToEntity()).ToList();
    }

    public async Task<IReadOnlyList<AutomationSecret>> ListActiveSecretsAsync(string automationId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return (await connection.QueryAsync<SecretRow>(Sql.ListActiveSecrets, new { automation = automationId, now = Ms.Of(now) }))
            .Select(r => r.ToEntity()).ToList();
    }

    public async Task<Delivery?> GetDeliveryAsync(string organizationId, string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return (await connection.QuerySingleOrDefaultAsync<DeliveryRow>(Sql.GetDelivery, new { org = organizationId, id }))?.ToEntity();
    }

    public async Task<PageResult<Delivery>> ListDeliveriesAsync(string organizationId, DeliveryFilter filter, PageRequest page, CancellationToken cancellationToken = default)
    {
        var sql = Sql.ListDeliveries;
        if (filter.AutomationId is not null)
        {
            sql += Sql.DeliveryAutomationFilter;
        }
        if (filter.EventId is not null)
        {
            sql += Sql.DeliveryEventFilter;
        }
        if (filter.Status is not null)
        {
            sql += Sql.DeliveryStatusFilter;
        }
        sql += Sql.OrderByIdLimit;
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<DeliveryRow>(sql, new
        {
            org = organizationId,
            after = page.After ?? "",
            limit = page.Limit + 1,
            automation = filter.AutomationId,
            @event = filter.EventId,
            status = filter.Status,
        });
        return PageResult.From(rows.Select(r => r.ToEntity()), page.Limit);
    }

    public async Task<IReadOnlyList<DeliveryAttempt>> ListAttemptsAsync(string deliveryId, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return (await connection.QueryAsync<AttemptRow>(Sql.ListAttempts, new { id = deliveryId })).Select(r => r.ToEntity()).ToList();
    }

    public async Task<long> CountPendingDeliveriesAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(Sql.CountPending);
    }

    public async Task<IdempotencyRecord?> GetIdempotencyRecordAsync(string apiKeyId, string key, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<IdempotencyRow>(Sql.GetIdempotencyRecord, new { apiKey = apiKeyId, key });
        return row is null ? null : new IdempotencyRecord(row.OrganizationId, row.ApiKeyId, row.Key, row.RequestHash, (int?)row.Status, row.HeadersJson, row.Body, Ms.ToTime(row.CreatedAt));
    }
}

internal sealed class IdempotencyRow
{
    public string OrganizationId { get; set; } = "";
    public string ApiKeyId { get; set; } = "";
    public string Key { get; set; } = "";
    public byte[] RequestHash { get; set; } = [];
    public long? Status { get; set; }
    public string? HeadersJson { get; set; }
    public byte[]? Body { get; set; }
    public long CreatedAt { get; set; }
}
