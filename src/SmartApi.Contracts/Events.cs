using System.Text.Json;
using System.Text.Json.Serialization;

namespace SmartApi.Contracts;

/// <summary>The event envelope: the body of webhook requests and the items of <c>GET /v1/events</c>.</summary>
/// <param name="Id">Unique id (<c>evt_...</c>); receivers deduplicate on it.</param>
/// <param name="Type">The event type, from the catalog (<c>GET /v1/event-types</c>).</param>
/// <param name="CreatedAt">When it happened.</param>
/// <param name="OrganizationId">The organization it belongs to.</param>
/// <param name="Data">Type-specific data; device events carry <c>deviceId</c> and the device's monotonic <c>sequence</c>. <c>{}</c> once erased.</param>
/// <param name="ErasedAt">When the device's data was erased (<c>POST /v1/devices/{id}/erase</c>); absent for events that were not.</param>
public sealed record EventResponse(string Id, string Type, DateTimeOffset CreatedAt, string OrganizationId, JsonElement Data,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? ErasedAt = null);

/// <summary>An entry of the event catalog.</summary>
/// <param name="Type">The event type.</param>
/// <param name="Description">What it means and when it is emitted.</param>
/// <param name="Schema">JSON Schema (draft 2020-12) of the event's <c>data</c>.</param>
public sealed record EventTypeResponse(string Type, string Description, JsonElement Schema);
