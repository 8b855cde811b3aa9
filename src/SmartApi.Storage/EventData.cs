using System.Text;
using System.Text.Json;

namespace SmartApi.Storage;

/// <summary>Composes the stored <c>data</c> of an event: device events start with <c>deviceId</c> and <c>sequence</c>.</summary>
public static class EventData
{
    public static string Compose(string? deviceId, long? sequence, string dataJson)
    {
        if (deviceId is null)
        {
            return dataJson;
        }
        var rest = dataJson.AsSpan().Trim();
        if (rest.Length < 2 || rest[0] != '{' || rest[^1] != '}')
        {
            throw new ArgumentException("Event data must be a JSON object.", nameof(dataJson));
        }
        var inner = rest[1..^1].Trim();
        var builder = new StringBuilder(dataJson.Length + 64);
        builder.Append("{\"deviceId\":").Append(JsonSerializer.Serialize(deviceId, StorageJsonContext.Default.String));
        if (sequence is { } s)
        {
            builder.Append(",\"sequence\":").Append(s);
        }
        if (!inner.IsEmpty)
        {
            builder.Append(',').Append(inner);
        }
        return builder.Append('}').ToString();
    }
}
