using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using SmartApi.Contracts;
using SmartApi.Storage;

namespace SmartApi.Server.Events;

/// <summary>Builds events to append: an id, the time, and the type's data serialized once.</summary>
internal sealed class EventFactory(IdGenerator ids, TimeProvider time)
{
    public NewEvent Create<T>(string type, string organizationId, string? deviceId, T data, JsonTypeInfo<T> typeInfo) =>
        new(ids.New("evt"), organizationId, type, deviceId, time.GetUtcNow(), JsonSerializer.Serialize(data, typeInfo));

    public static EventResponse ToResponse(StoredEvent e) =>
        new(e.Id, e.Type, e.CreatedAt, e.OrganizationId, JsonSerializer.Deserialize(e.DataJson, EventDataJsonContext.Default.JsonElement));
}

// The data of each event type (besides deviceId and sequence, which the store adds).

/// <summary>A field's previous value, GitHub-style: <c>"changes":{"name":{"from":"Old"}}</c>.</summary>
internal sealed record FieldChange(JsonElement From);

internal sealed record DeviceChangedData(string Serial, string Name, Dictionary<string, FieldChange> Changes);

internal sealed record CounterResetData(double PreviousWh, double NewWh);

internal sealed record AutomationEventData(string AutomationId);

internal sealed record AutomationDisabledData(string AutomationId, string Reason);

internal sealed record AutomationScheduledData(string AutomationId, DateTimeOffset ScheduledFor, string Cron, string TimeZone);

internal sealed record PowerThresholdData(string AutomationId, string Operator, double Threshold, double Value, int ForSeconds);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, Converters = [typeof(UtcTimestampConverter)])]
[JsonSerializable(typeof(DeviceChangedData))]
[JsonSerializable(typeof(CounterResetData))]
[JsonSerializable(typeof(AutomationEventData))]
[JsonSerializable(typeof(AutomationDisabledData))]
[JsonSerializable(typeof(AutomationScheduledData))]
[JsonSerializable(typeof(PowerThresholdData))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
internal sealed partial class EventDataJsonContext : JsonSerializerContext;
