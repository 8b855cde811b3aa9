using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using SmartApi.Contracts;
using SmartApi.Server.ApiKeys;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Events;

internal static class EventsApi
{
    private const int MaxTypeFilters = 50;

    public static RouteGroupBuilder MapEvents(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1").WithTags("Events").RequireScope(Scopes.EventsRead);
        group.MapGet("/events", List).WithName("ListEvents")
            .WithSummary("List events in order of occurrence, with no gaps; poll with after=<nextCursor> (order=desc for newest first).");
        group.MapGet("/events/{id}", Get).WithName("GetEvent").WithSummary("Get an event.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/event-types", ListTypes).WithName("ListEventTypes")
            .WithSummary("The event catalog: every type with a description and the JSON Schema of its data.");
        group.MapEventStream();
        return group;
    }

    /// <param name="types">Comma-separated event types to include; all when absent.</param>
    /// <param name="deviceId">Only events of this device.</param>
    /// <param name="after">The nextCursor of the previous page (an event id).</param>
    /// <param name="limit">Page size, 1-500 (default 50).</param>
    /// <param name="order">asc (oldest first, the default) or desc (newest first); the cursor follows the order.</param>
    private static async Task<Results<Ok<Page<EventResponse>>, ProblemHttpResult>> List(
        ClaimsPrincipal user, ISmartApiStore store, string? types, string? deviceId, string? after, int? limit, string? order,
        CancellationToken cancellationToken)
    {
        if (!Paging.TryCreate(limit, after, "evt", out var page, out var problem))
        {
            return problem!;
        }
        if (order is not null and not ("asc" or "desc"))
        {
            return Problems.Validation("order", "order must be asc (oldest first, the default) or desc (newest first).");
        }
        if (!TryParseFilter(types, deviceId, out var filter, out problem))
        {
            return problem!;
        }
        filter = filter with { NewestFirst = order == "desc" };
        try
        {
            var result = await store.ListEventsAsync(user.Caller().OrganizationId, filter, page, cancellationToken);
            // Unlike other lists, the event log always answers a nextCursor (the last event read, or the
            // cursor given when nothing new arrived), so a poller simply passes it back on its next call.
            var events = result.Items.Select(EventFactory.ToResponse).ToList();
            return TypedResults.Ok(new Page<EventResponse>(events, result.HasMore, events.Count > 0 ? events[^1].Id : after));
        }
        catch (InvalidCursorException ex)
        {
            return Problems.InvalidCursor(ex.Cursor);
        }
    }

    /// <summary>The <c>types</c> and <c>deviceId</c> filters, shared by the list and the live stream.</summary>
    internal static bool TryParseFilter(string? types, string? deviceId, out EventFilter filter, out ProblemHttpResult? problem)
    {
        filter = new EventFilter();
        problem = null;
        List<string>? typeFilter = null;
        if (!string.IsNullOrWhiteSpace(types))
        {
            typeFilter = types.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToList();
            var unknown = typeFilter.Where(t => !EventCatalog.Types.Contains(t)).ToList();
            if (unknown.Count > 0)
            {
                problem = Problems.Validation("types", $"Unknown event types: {string.Join(", ", unknown)}. See GET /v1/event-types.");
                return false;
            }
            if (typeFilter.Count > MaxTypeFilters)
            {
                problem = Problems.Validation("types", $"At most {MaxTypeFilters} types.");
                return false;
            }
        }
        if (deviceId is not null && !IdGenerator.IsWellFormed(deviceId, "dev"))
        {
            problem = Problems.Validation("deviceId", "deviceId must be a device id (dev_...).");
            return false;
        }
        filter = new EventFilter(typeFilter, deviceId);
        return true;
    }

    private static async Task<Results<Ok<EventResponse>, ProblemHttpResult>> Get(
        string id, ClaimsPrincipal user, ISmartApiStore store, CancellationToken cancellationToken) =>
        await store.GetEventAsync(user.Caller().OrganizationId, id, cancellationToken) is { } stored
            ? TypedResults.Ok(EventFactory.ToResponse(stored))
            : Problems.NotFound("event", id);

    private static Ok<Page<EventTypeResponse>> ListTypes() =>
        TypedResults.Ok(new Page<EventTypeResponse>(EventCatalog.All, false, null));
}
