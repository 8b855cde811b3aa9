using System.Buffers;
using System.Text;
using System.Text.Json;
using SmartApi.Contracts;
using SmartApi.Server.Mqtt;

namespace SmartApi.Server.Tests.Mqtt;

/// <summary>The hand-written telemetry reader accepts and rejects exactly what the protocol's JSON context does.</summary>
public sealed class TelemetryReaderTests
{
    public static TheoryData<string> Payloads() =>
    [
        """{"ts":"2026-11-26T10:00:00Z","powerW":12.5,"voltageV":230.1,"currentA":0.054,"energyWh":1500.25,"temperatureC":31}""",
        """{"powerW":0}""",
        """{"POWERW":7,"Ts":"2026-11-26T10:00:00.123+01:00"}""",
        """{"powerW":"12.5","voltageV":"-1e3"}""",
        """{"powerW":1,"unknown":{"nested":[1,2,{"a":null}]},"other":"x"}""",
        """{"powerW":null,"voltageV":230}""",
        """{"powerW":1,"voltageV":null,"ts":null}""",
        """{"powerW":1,"powerW":2}""",
        """{"pow\u0065rW":3}""",
        """  {"powerW":1}  """,
        """{"powerW":1} and then some""",
        """{}""",
        """{"powerW":"many"}""",
        """{"powerW":"NaN"}""",
        """{"powerW":" 1"}""",
        """{"powerW":true}""",
        """{"powerW":[1]}""",
        """{"powerW":{"v":1}}""",
        """{"ts":12345,"powerW":1}""",
        """{"ts":"yesterday","powerW":1}""",
        """{"powerW":1,}""",
        """{"powerW":1""",
        """{not json""",
        """[1,2,3]""",
        """null""",
        """12""",
        "\"powerW\"",
    ];

    [Theory]
    [MemberData(nameof(Payloads))]
    public void Reads_what_the_serializer_reads(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var expected = Serializer(bytes);

        Assert.Equal(expected, Reader(new ReadOnlySequence<byte>(bytes)));
        // MQTT payloads may arrive in several segments.
        Assert.Equal(expected, Reader(Segmented(bytes)));
    }

    [Fact]
    public void Empty_and_oversized_payloads_are_malformed()
    {
        Assert.Null(Reader(ReadOnlySequence<byte>.Empty));
        var padded = Encoding.UTF8.GetBytes($$"""{"powerW":1,"pad":"{{new string('x', 17 * 1024)}}"}""");
        Assert.Null(Reader(new ReadOnlySequence<byte>(padded)));
    }

    private static TelemetryFields? Reader(ReadOnlySequence<byte> payload) =>
        TelemetryReader.TryRead(payload, out var fields) ? fields : null;

    private static TelemetryFields? Serializer(byte[] payload)
    {
        try
        {
            // As the gateway read telemetry before: one value off a reader, whatever follows it.
            var reader = new Utf8JsonReader(payload);
            return JsonSerializer.Deserialize(ref reader, DeviceProtocolJsonContext.Default.DeviceTelemetry) is { } t
                ? new TelemetryFields(t.Ts, t.PowerW, t.VoltageV, t.CurrentA, t.EnergyWh, t.TemperatureC)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static ReadOnlySequence<byte> Segmented(byte[] bytes)
    {
        if (bytes.Length < 2)
        {
            return new ReadOnlySequence<byte>(bytes);
        }
        var first = new Segment(bytes.AsMemory(0, bytes.Length / 2), 0);
        var last = first.Append(bytes.AsMemory(bytes.Length / 2));
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
