using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SmartApi.Contracts;

/// <summary>
/// Writes timestamps as RFC 3339 UTC with a <c>Z</c> and at most millisecond precision
/// (<c>2026-11-25T17:46:08Z</c>, <c>2026-11-25T17:46:08.5Z</c>); reads any RFC 3339 timestamp with an offset.
/// </summary>
public sealed class UtcTimestampConverter : JsonConverter<DateTimeOffset>
{
    private const string Format = "yyyy-MM-dd'T'HH:mm:ss.FFF'Z'";

    /// <inheritdoc />
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        if (text is null || !TryParse(text, out var value))
        {
            throw new JsonException("Expected an RFC 3339 timestamp with an offset, such as 2026-11-25T17:46:08Z.");
        }
        return value;
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        Span<char> buffer = stackalloc char[32];
        var utc = value.ToUniversalTime();
        utc.TryFormat(buffer, out var written, Format, CultureInfo.InvariantCulture);
        writer.WriteStringValue(buffer[..written]);
    }

    /// <summary>Parses an RFC 3339 timestamp; a timestamp without an offset is refused as ambiguous.</summary>
    public static bool TryParse(string text, out DateTimeOffset value)
    {
        value = default;
        if (text.Length < 20 || !(text.EndsWith('Z') || text.EndsWith('z') || text[^6] is '+' or '-'))
        {
            return false;
        }
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out value))
        {
            return false;
        }
        value = value.ToUniversalTime();
        return true;
    }
}
