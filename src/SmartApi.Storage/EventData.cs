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

    /// <summary>
    /// Splits the data around where the sequence goes, for a store that learns the sequence in SQL:
    /// <c>head + ",\"sequence\":" + n + tail</c> (or <c>head + tail</c> without one) is <see cref="Compose"/>'s result.
    /// </summary>
    public static (string Head, string Tail) Split(string? deviceId, string dataJson)
    {
        if (deviceId is null)
        {
            return (dataJson, "");
        }
        var composed = Compose(deviceId, null, dataJson);
        var headLength = "{\"deviceId\":".Length + JsonSerializer.Serialize(deviceId, StorageJsonContext.Default.String).Length;
        return (composed[..headLength], composed[headLength..]);
    }
}
