using System.Text.Json;
using SmartApi.Contracts;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;
using SmartApi.Webhooks.Events;

namespace SmartApi.Server.Events;

/// <summary>Builds events to append: an id, the time, and the type's data record serialized once.</summary>
internal sealed class EventFactory(IdGenerator ids, TimeProvider time)
{
    /// <summary>
    /// The <see cref="DeviceEventData.Sequence"/> a device event's record is built with: the store assigns the
    /// real one when it appends the event, and the stored data is written without it (see <see cref="EventDataJson"/>).
    /// </summary>
    public const long AssignedOnAppend = 0;

    /// <summary>
    /// The event, with the current span's context when tracing (inside a unit of work that is the
    /// unit's <c>store.write</c> span), so what the event causes later continues its trace.
    /// </summary>
    public NewEvent Create<T>(string type, string organizationId, T data)
        where T : WebhookEventData =>
        new(ids.New("evt"), organizationId, type, (data as DeviceEventData)?.DeviceId, time.GetUtcNow(),
            JsonSerializer.Serialize(data, EventDataJson.Writer<T>.TypeInfo), TraceParent: Tracing.CurrentTraceParent());

    public static EventResponse ToResponse(StoredEvent e) =>
        new(e.Id, e.Type, e.CreatedAt, e.OrganizationId, JsonSerializer.Deserialize(e.DataJson, SmartApiJsonContext.Default.JsonElement),
            e.ErasedAt);
}
