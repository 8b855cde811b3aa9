using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using SmartApi.Contracts;
using SmartApi.Webhooks.Events;

namespace SmartApi.Server.Events;

/// <summary>
/// How the server writes event data: the public records of SmartApi.Webhooks.Events through their one
/// source-generated context (<see cref="WebhookJsonContext"/>), with the API's UTC timestamps, and without
/// <c>deviceId</c> and <c>sequence</c>, which the store puts first when it appends the event.
/// </summary>
internal static class EventDataJson
{
    private static readonly string DeviceId = JsonNamingPolicy.CamelCase.ConvertName(nameof(DeviceEventData.DeviceId));
    private static readonly string Sequence = JsonNamingPolicy.CamelCase.ConvertName(nameof(DeviceEventData.Sequence));

    /// <summary>The options of stored event data (also the base of the catalog's schemas).</summary>
    public static readonly JsonSerializerOptions Options = Create(WebhookJsonContext.Default.WithAddedModifier(OmitStoreAssigned));

    /// <summary>The same, with every property of the records (the shape receivers get).</summary>
    public static readonly JsonSerializerOptions Full = Create(WebhookJsonContext.Default);

    /// <summary>The cached metadata the hot path serializes <typeparamref name="T"/> with.</summary>
    public static class Writer<T>
        where T : WebhookEventData
    {
        public static readonly JsonTypeInfo<T> TypeInfo = (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));
    }

    private static JsonSerializerOptions Create(IJsonTypeInfoResolver resolver)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { TypeInfoResolver = resolver };
        options.Converters.Add(new UtcTimestampConverter());
        options.MakeReadOnly();
        return options;
    }

    private static void OmitStoreAssigned(JsonTypeInfo typeInfo)
    {
        if (typeInfo.Kind != JsonTypeInfoKind.Object || !typeof(DeviceEventData).IsAssignableFrom(typeInfo.Type))
        {
            return;
        }
        for (var i = typeInfo.Properties.Count - 1; i >= 0; i--)
        {
            if (typeInfo.Properties[i].Name == DeviceId || typeInfo.Properties[i].Name == Sequence)
            {
                typeInfo.Properties.RemoveAt(i);
            }
        }
    }
}
