using System.Buffers;
using System.Globalization;
using System.Text.Json;
using SmartApi.Storage;

namespace SmartApi.Server.Mqtt;

/// <summary>The fields of a telemetry payload (SPEC: <c>devices/{serial}/telemetry</c>).</summary>
internal readonly record struct TelemetryFields(
    DateTimeOffset? Ts, double? PowerW, double? VoltageV, double? CurrentA, double? EnergyWh, double? TemperatureC);

/// <summary>
/// Reads telemetry straight off the MQTT payload with a <see cref="Utf8JsonReader"/>: the hottest
/// message of the gateway, where the serializer's record construction and metadata walk cost more
/// than the rest of the parse. It accepts what <c>DeviceProtocolJsonContext</c> accepts for
/// <c>DeviceTelemetry</c> (web defaults): names in any case, numbers as JSON numbers or numeric
/// strings, null for an absent value, unknown properties skipped; anything else is malformed, and
/// so is a number outside its <see cref="TelemetryLimits"/> range.
/// </summary>
internal static class TelemetryReader
{
    private const int MaxPayload = 16 * 1024;

    public static bool TryRead(ReadOnlySequence<byte> payload, out TelemetryFields fields)
    {
        fields = default;
        if (payload.IsEmpty || payload.Length > MaxPayload)
        {
            return false;
        }
        try
        {
            var reader = new Utf8JsonReader(payload);
            return Read(ref reader, out fields);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool Read(ref Utf8JsonReader reader, out TelemetryFields fields)
    {
        fields = default;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }
        DateTimeOffset? ts = null;
        double? power = null, voltage = null, current = null, energy = null, temperature = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = Name(ref reader);
            if (!reader.Read())
            {
                return false;
            }
            var ok = name switch
            {
                Field.Ts => TryTime(ref reader, out ts),
                Field.PowerW => TryNumber(ref reader, out power),
                Field.VoltageV => TryNumber(ref reader, out voltage),
                Field.CurrentA => TryNumber(ref reader, out current),
                Field.EnergyWh => TryNumber(ref reader, out energy),
                Field.TemperatureC => TryNumber(ref reader, out temperature),
                _ => reader.TrySkip(),
            };
            if (!ok)
            {
                return false;
            }
        }
        if (reader.TokenType != JsonTokenType.EndObject)
        {
            return false;
        }
        // A number outside its physical range is as malformed as one that is not a number.
        if (!TelemetryLimits.AreValid(power, voltage, current, energy, temperature))
        {
            return false;
        }
        fields = new TelemetryFields(ts, power, voltage, current, energy, temperature);
        return true;
    }

    private enum Field
    {
        Other,
        Ts,
        PowerW,
        VoltageV,
        CurrentA,
        EnergyWh,
        TemperatureC,
    }

    private static readonly (byte[] Utf8, string Text, Field Field)[] Names =
    [
        ("ts"u8.ToArray(), "ts", Field.Ts),
        ("powerW"u8.ToArray(), "powerW", Field.PowerW),
        ("voltageV"u8.ToArray(), "voltageV", Field.VoltageV),
        ("currentA"u8.ToArray(), "currentA", Field.CurrentA),
        ("energyWh"u8.ToArray(), "energyWh", Field.EnergyWh),
        ("temperatureC"u8.ToArray(), "temperatureC", Field.TemperatureC),
    ];

    private static Field Name(ref Utf8JsonReader reader)
    {
        // Devices send the exact names; any other casing takes the string path.
        foreach (var (utf8, _, field) in Names)
        {
            if (reader.ValueTextEquals(utf8))
            {
                return field;
            }
        }
        var name = reader.GetString();
        foreach (var (_, text, field) in Names)
        {
            if (text.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return field;
            }
        }
        return Field.Other;
    }

    private static bool TryNumber(ref Utf8JsonReader reader, out double? value)
    {
        value = null;
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return true;
            case JsonTokenType.Number when reader.TryGetDouble(out var number):
                value = number;
                return true;
            case JsonTokenType.String when double.TryParse(reader.GetString(),
                NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var parsed):
                value = parsed;
                return true;
            default:
                return false;
        }
    }

    private static bool TryTime(ref Utf8JsonReader reader, out DateTimeOffset? value)
    {
        value = null;
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return true;
            case JsonTokenType.String when reader.TryGetDateTimeOffset(out var time):
                value = time;
                return true;
            default:
                return false;
        }
    }
}
