using Microsoft.AspNetCore.Http.HttpResults;
using SmartApi.Contracts;
using SmartApi.Server.Events;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Deliveries;

/// <summary>The delivery log's filters, validated once for the list and the bulk retry.</summary>
internal static class DeliveryFilters
{
    private static readonly string[] Statuses = [DeliveryStatus.Pending, DeliveryStatus.Succeeded, DeliveryStatus.Failed];

    /// <summary>The query of <c>GET /v1/deliveries</c>.</summary>
    public static bool TryCreate(
        string? automationId, string? eventId, string? status, string? eventType, string? from, string? to, string? order,
        out DeliveryFilter filter, out ProblemHttpResult? problem)
    {
        var errors = new ValidationErrors();
        if (status is not null && !Statuses.Contains(status))
        {
            errors.Add("status", "status must be pending, succeeded or failed.");
        }
        if (eventId is not null && !IdGenerator.IsWellFormed(eventId, "evt"))
        {
            errors.Add("eventId", "eventId must be an event id (evt_...).");
        }
        if (order is not null and not ("asc" or "desc"))
        {
            errors.Add("order", "order must be asc (oldest first, the default) or desc (newest first).");
        }
        var start = QueryTime.Parse(from, "from", errors);
        var end = QueryTime.Parse(to, "to", errors);
        Check(automationId, eventType, start, end, errors);
        filter = new DeliveryFilter(automationId, eventId, status, eventType, start, end, order == "desc");
        problem = errors.Any ? errors.ToProblem() : null;
        return problem is null;
    }

    /// <summary>The body of <c>POST /v1/deliveries/retry</c>.</summary>
    public static bool TryCreate(RetryDeliveriesRequest request, out DeliveryFilter filter, out ProblemHttpResult? problem)
    {
        var errors = new ValidationErrors();
        Check(request.AutomationId, request.EventType, request.From, request.To, errors);
        filter = new DeliveryFilter(request.AutomationId, EventType: request.EventType, From: request.From, To: request.To);
        problem = errors.Any ? errors.ToProblem() : null;
        return problem is null;
    }

    private static void Check(string? automationId, string? eventType, DateTimeOffset? from, DateTimeOffset? to, ValidationErrors errors)
    {
        if (automationId is not null && !IdGenerator.IsWellFormed(automationId, "aut"))
        {
            errors.Add("automationId", "automationId must be an automation id (aut_...).");
        }
        if (eventType is not null && !EventCatalog.Types.Contains(eventType))
        {
            errors.Add("eventType", $"Unknown event type: {eventType}. See GET /v1/event-types.");
        }
        if (from >= to)
        {
            errors.Add("from", "from must be before to.");
        }
    }
}
