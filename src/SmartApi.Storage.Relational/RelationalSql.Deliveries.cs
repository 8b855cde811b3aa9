using System.Text;
using Dapper;

namespace SmartApi.Storage.Relational;

/// <summary>The delivery log's filters, shared by the list and the bulk retry so both reach the same rows.</summary>
internal abstract partial class RelationalSql
{
    public const string ListDeliveries = "SELECT " + DeliveryReadColumns + " FROM deliveries WHERE organization_id = @org";
    public const string DeliveriesAfter = " AND id > @after ORDER BY id LIMIT @limit";
    // Newest first: "~" sorts after every id, so no cursor means from the newest.
    public const string DeliveriesBefore = " AND id < @after ORDER BY id DESC LIMIT @limit";
    // An erased delivery is not queued again: its body would be the blanked event.
    private const string FailedDeliveries = " FROM deliveries WHERE organization_id = @org AND status = 'failed' AND erased_at IS NULL";

    /// <summary>Queues again up to @limit failed deliveries matching <paramref name="conditions"/>, oldest first.</summary>
    public static string RetryFailedDeliveries(string conditions) =>
        "UPDATE deliveries SET status = 'pending', next_attempt_at = @now, lease_owner = NULL, lease_expires_at = NULL, held_reason = NULL, updated_at = @now " +
        "WHERE id IN (SELECT id" + FailedDeliveries + conditions + " ORDER BY id LIMIT @limit)";

    /// <summary>1 when a failed delivery matches <paramref name="conditions"/>, else 0.</summary>
    public static string AnyFailedDeliveries(string conditions) => "SELECT COUNT(*) FROM (SELECT 1" + FailedDeliveries + conditions + " LIMIT 1) f";

    /// <summary>The filter's conditions, each starting with AND, over the parameters of <see cref="DeliveryParameters"/>.</summary>
    public static string DeliveryConditions(DeliveryFilter filter, bool withStatus = true)
    {
        var sql = new StringBuilder();
        if (filter.AutomationId is not null)
        {
            sql.Append(" AND automation_id = @automation");
        }
        if (filter.EventId is not null)
        {
            sql.Append(" AND event_id = @event");
        }
        if (withStatus && filter.Status is not null)
        {
            sql.Append(" AND status = @status");
        }
        if (filter.EventType is not null)
        {
            sql.Append(" AND event_type = @type");
        }
        if (filter.From is not null)
        {
            sql.Append(" AND created_at >= @from");
        }
        if (filter.To is not null)
        {
            sql.Append(" AND created_at < @to");
        }
        return sql.ToString();
    }

    /// <summary>The organization and the filter's values: only those its conditions name.</summary>
    public static DynamicParameters DeliveryParameters(string organizationId, DeliveryFilter filter)
    {
        var parameters = new DynamicParameters();
        parameters.Add("org", organizationId);
        AddIfSet(parameters, "automation", filter.AutomationId);
        AddIfSet(parameters, "event", filter.EventId);
        AddIfSet(parameters, "status", filter.Status);
        AddIfSet(parameters, "type", filter.EventType);
        AddIfSet(parameters, "from", filter.From is { } from ? Ms.Of(from) : null);
        AddIfSet(parameters, "to", filter.To is { } to ? Ms.Of(to) : null);
        return parameters;
    }

    private static void AddIfSet(DynamicParameters parameters, string name, object? value)
    {
        if (value is not null)
        {
            parameters.Add(name, value);
        }
    }
}
