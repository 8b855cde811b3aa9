using System.Collections.Frozen;
using SmartApi.Contracts;
using SmartApi.Webhooks.Events;

namespace SmartApi.Server.Events;

/// <summary>
/// The catalog behind <c>GET /v1/event-types</c>: every type of <see cref="WebhookEventTypes.Catalog"/> with its
/// description and the JSON Schema (2020-12) of its <c>data</c>, generated from its record (<see cref="EventSchemas"/>).
/// </summary>
internal static class EventCatalog
{
    public static readonly IReadOnlyList<EventTypeResponse> All =
        [.. WebhookEventTypes.Catalog.Select(t => new EventTypeResponse(t.Name, t.Description, EventSchemas.For(t)))];

    public static readonly FrozenSet<string> Types = All.Select(e => e.Type).ToFrozenSet(StringComparer.Ordinal);
}
