using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using SmartApi.Server.ApiKeys;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Events;

/// <summary><c>GET /v1/events/stream</c>: the event log as Server-Sent Events, history then live tail.</summary>
internal static class EventStreamApi
{
    public const string ContentType = "text/event-stream";

    public static RouteHandlerBuilder MapEventStream(this RouteGroupBuilder group) =>
        group.MapGet("/events/stream", Stream).WithName("StreamEvents")
            .WithSummary("Stream events live (Server-Sent Events), resumable with Last-Event-ID.")
            .WithDescription(
                "Each event is sent as `id: <event id>`, `event: <type>` and `data: <envelope JSON>` (the same bytes as the " +
                "webhook body and GET /v1/events/{id}). Without a cursor the stream starts at the latest event; with " +
                "`Last-Event-ID` (or `after`) it first sends every later event of the log, then the live tail, with no gap and " +
                "no repeat. Idle streams receive comment lines (`: heartbeat`); every heartbeat interval the key is checked again and the " +
                "stream of a revoked key ends. A client that does not read is disconnected. " +
                "Each organization may hold a limited number of streams at once (429 too_many_streams).")
            .Produces<string>(StatusCodes.Status200OK, ContentType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

    /// <param name="types">Comma-separated event types to include; all when absent.</param>
    /// <param name="deviceId">Only events of this device.</param>
    /// <param name="after">Start after this event id (Last-Event-ID takes precedence).</param>
    /// <param name="lastEventId">The id of the last event received, sent by SSE clients when they reconnect.</param>
    private static async Task<Results<EventStreamResult, ProblemHttpResult>> Stream(
        ClaimsPrincipal user, ISmartApiStore store, EventStreamLimiter limiter, string? types, string? deviceId, string? after,
        [FromHeader(Name = "Last-Event-ID")] string? lastEventId, CancellationToken cancellationToken)
    {
        if (!EventsApi.TryParseFilter(types, deviceId, out var filter, out var problem))
        {
            return problem!;
        }
        var caller = user.Caller();
        var organizationId = caller.OrganizationId;
        var cursor = string.IsNullOrWhiteSpace(lastEventId) ? after : lastEventId.Trim();
        if (cursor is not null
            && (!IdGenerator.IsWellFormed(cursor, "evt") || await store.GetEventAsync(organizationId, cursor, cancellationToken) is null))
        {
            return Problems.InvalidCursor(cursor);
        }
        var lease = limiter.TryAcquire(organizationId);
        if (lease is null)
        {
            return Problems.Create(StatusCodes.Status429TooManyRequests, "too_many_streams", "Too many streams",
                $"This organization already has {limiter.Limit} live streams open; close one first.");
        }
        return new EventStreamResult(organizationId, caller.KeyId, filter, cursor, lease);
    }
}

/// <summary>Runs the stream as the response; the organization's stream slot is freed when it ends.</summary>
internal sealed class EventStreamResult(string organizationId, string keyId, EventFilter filter, string? cursor, IDisposable lease) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        using (lease)
        {
            await httpContext.RequestServices.GetRequiredService<EventStreamer>().RunAsync(httpContext, organizationId, keyId, filter, cursor);
        }
    }
}
