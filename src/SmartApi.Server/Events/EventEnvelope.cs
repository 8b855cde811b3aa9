using System.Buffers;
using System.Text.Json;
using SmartApi.Contracts;
using SmartApi.Storage;

namespace SmartApi.Server.Events;

/// <summary>
/// Writes the event envelope (the webhook body) straight from the stored event, copying the
/// stored <c>data</c> JSON as is instead of parsing and re-serializing it. Same JSON as
/// <c>GET /v1/events/{id}</c> answers (a test holds them equal).
/// </summary>
internal static class EventEnvelope
{
    private static readonly UtcTimestampConverter Timestamps = new();

    public static byte[] Serialize(StoredEvent stored)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + stored.DataJson.Length);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("id", stored.Id);
            writer.WriteString("type", stored.Type);
            writer.WritePropertyName("createdAt");
            Timestamps.Write(writer, stored.CreatedAt, JsonSerializerOptions.Default);
            writer.WriteString("organizationId", stored.OrganizationId);
            writer.WritePropertyName("data");
            writer.WriteRawValue(stored.DataJson, skipInputValidation: true);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
