using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace SmartApi.Webhooks.Events;

/// <summary>
/// The event envelope: the body of every webhook request and of <c>GET /v1/events/{id}</c>.
/// </summary>
/// <param name="Id">The event id (<c>evt_...</c>); receivers dedupe on it.</param>
/// <param name="Type">The event type, e.g. <c>device.switched</c> (see <see cref="WebhookEventTypes"/>).</param>
/// <param name="CreatedAt">When the event happened (UTC).</param>
/// <param name="OrganizationId">The organization (<c>org_...</c>).</param>
/// <param name="Data">The type's data as raw JSON; <see cref="GetData"/> gives the typed record.</param>
public sealed record WebhookEvent(string Id, string Type, DateTimeOffset CreatedAt, string OrganizationId, JsonElement Data)
{
    /// <summary>Reads an envelope from the UTF-8 request body.</summary>
    /// <exception cref="JsonException">The body is not an event envelope.</exception>
    public static WebhookEvent Parse(ReadOnlySpan<byte> utf8Json) =>
        JsonSerializer.Deserialize(utf8Json, WebhookJsonContext.Default.WebhookEvent)
        ?? throw new JsonException("The body is null, not an event envelope.");

    /// <summary>Reads an envelope from a JSON string.</summary>
    /// <exception cref="JsonException">The text is not an event envelope.</exception>
    public static WebhookEvent Parse(string json) =>
        JsonSerializer.Deserialize(json, WebhookJsonContext.Default.WebhookEvent)
        ?? throw new JsonException("The body is null, not an event envelope.");

    /// <summary>
    /// The typed data for <see cref="Type"/>, e.g. <see cref="DeviceSwitchedData"/> for <c>device.switched</c>;
    /// null for a type this library version does not know yet (new types are added over time).
    /// </summary>
    /// <exception cref="JsonException">The data does not have the shape of its type.</exception>
    public WebhookEventData? GetData() =>
        WebhookEventTypes.Find(Type) is { } type
            ? (WebhookEventData?)Data.Deserialize(type.DataTypeInfo) ?? throw new JsonException($"The data of {Type} is null.")
            : null;

    /// <summary>The data as <typeparamref name="T"/>, whatever <see cref="Type"/> says.</summary>
    /// <exception cref="JsonException">The data does not have the shape of <typeparamref name="T"/>.</exception>
    public T GetData<T>()
        where T : WebhookEventData
    {
        var typeInfo = (JsonTypeInfo<T>?)WebhookJsonContext.Default.GetTypeInfo(typeof(T))
            ?? throw new NotSupportedException($"{typeof(T).Name} is not an event data type of this library.");
        return Deserialize(typeInfo);
    }

    /// <summary>Tries to read the data as <typeparamref name="T"/>; false when <see cref="Type"/> has other data.</summary>
    public bool TryGetData<T>([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out T? data)
        where T : WebhookEventData
    {
        data = GetData() as T;
        return data is not null;
    }

    private T Deserialize<T>(JsonTypeInfo<T> typeInfo) =>
        Data.Deserialize(typeInfo) ?? throw new JsonException($"The data of {Type} is null.");
}
