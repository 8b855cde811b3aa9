using System.Text.Json;
using SmartApi.Contracts;

namespace SmartApi.Client;

/// <summary><c>/v1/events</c>: the event log, the catalog, and the live stream.</summary>
public sealed class EventsClient
{
    private readonly SmartApiTransport _transport;

    internal EventsClient(SmartApiTransport transport) => _transport = transport;

    /// <summary>Gets an event (<c>GET /v1/events/{id}</c>).</summary>
    public Task<EventResponse> GetAsync(string id, CancellationToken cancellationToken = default) =>
        _transport.GetAsync($"v1/events/{PathSegment.Of(id)}", SmartApiJsonContext.Default.EventResponse, cancellationToken);

    /// <summary>
    /// One page of the log (<c>GET /v1/events</c>). <see cref="Page{T}.NextCursor"/> is always set
    /// (the last event, or <paramref name="after"/> when nothing new came), so a poller passes it back.
    /// </summary>
    /// <param name="types">Only these event types.</param>
    /// <param name="deviceId">Only events of this device.</param>
    /// <param name="limit">Page size, 1-500 (server default 50).</param>
    /// <param name="after">An event id: only later events (earlier ones when <paramref name="newestFirst"/>).</param>
    /// <param name="newestFirst">Newest first (<c>order=desc</c>) instead of in order of occurrence.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<Page<EventResponse>> ListPageAsync(IEnumerable<string>? types = null, string? deviceId = null, int? limit = null, string? after = null,
        bool newestFirst = false, CancellationToken cancellationToken = default) =>
        _transport.GetAsync(EventsQuery("v1/events", types, deviceId).Add("limit", limit).Add("after", after)
                .Add("order", newestFirst ? "desc" : null).ToString(),
            SmartApiJsonContext.Default.PageEventResponse, cancellationToken);

    /// <summary>
    /// Every event of the log after <paramref name="after"/> (from the oldest retained when null), in order of occurrence;
    /// with <paramref name="newestFirst"/>, every event before it (from the newest when null), newest first.
    /// </summary>
    public IAsyncEnumerable<EventResponse> ListAsync(IEnumerable<string>? types = null, string? deviceId = null, string? after = null, int? pageSize = null,
        bool newestFirst = false, CancellationToken cancellationToken = default)
    {
        var typeList = types?.ToList();
        return SmartApiTransport.PagesAsync((cursor, ct) => ListPageAsync(typeList, deviceId, pageSize, cursor, newestFirst, ct), after, cancellationToken);
    }

    /// <summary>The event catalog (<c>GET /v1/event-types</c>): each type with a description and the JSON Schema of its data.</summary>
    public async Task<IReadOnlyList<EventTypeResponse>> ListTypesAsync(CancellationToken cancellationToken = default) =>
        (await _transport.GetAsync("v1/event-types", SmartApiJsonContext.Default.PageEventTypeResponse, cancellationToken).ConfigureAwait(false)).Data;

    /// <summary>
    /// The live stream (<c>GET /v1/events/stream</c>) as an async sequence. With <paramref name="after"/>
    /// it first yields every later event of the log, then live events; without it, live events only.
    /// When the connection drops (or stays silent past <see cref="SmartApiClientOptions.StreamIdleTimeout"/>)
    /// it reconnects with <c>Last-Event-ID</c>, so nothing is lost or repeated. It ends only when
    /// <paramref name="cancellationToken"/> is cancelled, or throws <see cref="SmartApiException"/> on an
    /// error that a retry cannot mend (a revoked key, a missing scope, a cursor that no longer exists).
    /// </summary>
    /// <param name="types">Only these event types.</param>
    /// <param name="deviceId">Only events of this device.</param>
    /// <param name="after">An event id to resume after.</param>
    /// <param name="cancellationToken">Stops the stream.</param>
    public IAsyncEnumerable<StreamedEvent> StreamAsync(IEnumerable<string>? types = null, string? deviceId = null, string? after = null,
        CancellationToken cancellationToken = default) =>
        StreamAsync(new EventStreamOptions { Types = types?.ToList(), DeviceId = deviceId, After = after }, cancellationToken);

    /// <inheritdoc cref="StreamAsync(IEnumerable{string}?, string?, string?, CancellationToken)"/>
    /// <param name="options">Filters, cursor and connection callbacks.</param>
    /// <param name="cancellationToken">Stops the stream.</param>
    public IAsyncEnumerable<StreamedEvent> StreamAsync(EventStreamOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var path = EventsQuery("v1/events/stream", options.Types, options.DeviceId).ToString();
        return new EventStreamReader(_transport, path, options).ReadAsync(cancellationToken);
    }

    private static Query EventsQuery(string path, IEnumerable<string>? types, string? deviceId)
    {
        var joined = types is null ? null : string.Join(',', types);
        return new Query(path).Add("types", joined).Add("deviceId", deviceId);
    }
}

/// <summary>What to stream and how to report the connection.</summary>
public sealed class EventStreamOptions
{
    /// <summary>Only these event types; all when null or empty.</summary>
    public IReadOnlyList<string>? Types { get; init; }

    /// <summary>Only events of this device.</summary>
    public string? DeviceId { get; init; }

    /// <summary>Resume after this event id; null streams live events only.</summary>
    public string? After { get; init; }

    /// <summary>Called each time the stream is connected (the first time and after each reconnect).</summary>
    public Action? Connected { get; init; }

    /// <summary>Called when the connection was lost, with the cause, before the stream reconnects.</summary>
    public Action<Exception?>? Disconnected { get; init; }
}

/// <summary>An event received from the live stream.</summary>
/// <param name="Id">The event id (the SSE <c>id:</c>), usable as a cursor.</param>
/// <param name="Type">The event type (the SSE <c>event:</c>).</param>
/// <param name="Json">The event envelope exactly as sent: the same bytes as a webhook body.</param>
public sealed record StreamedEvent(string Id, string Type, string Json)
{
    /// <summary>Parses <see cref="Json"/> into the event envelope.</summary>
    public EventResponse ToEvent() =>
        JsonSerializer.Deserialize(Json, SmartApiJsonContext.Default.EventResponse) ?? throw new JsonException("The event data is null.");
}
