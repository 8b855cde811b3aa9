using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CsCheck;
using SmartApi.Contracts;
using SmartApi.Server.Mqtt;
using SmartApi.Storage;

namespace SmartApi.Server.Tests.Mqtt;

/// <summary>
/// The hand-written telemetry reader accepts and rejects exactly what the protocol's JSON context
/// does, and on top refuses numbers outside their <see cref="TelemetryLimits"/>.
/// </summary>
public sealed class TelemetryReaderTests
{
    public static TheoryData<string> Payloads() =>
    [
        """{"ts":"2026-11-26T10:00:00Z","powerW":12.5,"voltageV":230.1,"currentA":0.054,"energyWh":1500.25,"temperatureC":31}""",
        """{"powerW":0}""",
        """{"POWERW":7,"Ts":"2026-11-26T10:00:00.123+01:00"}""",
        """{"powerW":"12.5","voltageV":"-1e3"}""",
        """{"powerW":"12.5","voltageV":"1e2"}""",
        """{"powerW":1.7e308}""",
        """{"powerW":-100000,"voltageV":500,"currentA":-100,"energyWh":1e12,"temperatureC":-50}""",
        """{"powerW":100000.001}""",
        """{"powerW":1,"energyWh":1000000000001}""",
        """{"powerW":"Infinity"}""",
        """{"powerW":1e400}""",
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

    // Any double: ordinary, huge, tiny, signed, and each limit with its neighbours.
    private static readonly Gen<double> AnyNumber = Gen.OneOf(
        Gen.Double[-1e6, 1e6],
        Gen.Double.Where(double.IsFinite),
        Gen.OneOfConst(
            double.MaxValue, double.MinValue, double.Epsilon, -0.0, 1e12, 1e12 + 1,
            TelemetryLimits.MinPowerW, TelemetryLimits.MaxPowerW, Math.BitDecrement(TelemetryLimits.MinPowerW), Math.BitIncrement(TelemetryLimits.MaxPowerW),
            TelemetryLimits.MaxVoltageV, Math.BitIncrement(TelemetryLimits.MaxVoltageV), -1e-300,
            TelemetryLimits.MinCurrentA, TelemetryLimits.MaxCurrentA, Math.BitIncrement(TelemetryLimits.MaxCurrentA),
            TelemetryLimits.MinTemperatureC, TelemetryLimits.MaxTemperatureC, Math.BitDecrement(TelemetryLimits.MinTemperatureC)));

    [Fact]
    public void A_sample_is_read_exactly_when_every_number_lies_within_its_limits()
    {
        Gen.Select(AnyNumber, AnyNumber, AnyNumber, AnyNumber, AnyNumber, Gen.Bool).Sample((power, voltage, current, energy, temperature, asStrings) =>
        {
            string Number(double value) => asStrings
                ? "\"" + value.ToString("R", CultureInfo.InvariantCulture) + "\""
                : value.ToString("R", CultureInfo.InvariantCulture);
            var json = $$"""{"powerW":{{Number(power)}},"voltageV":{{Number(voltage)}},"currentA":{{Number(current)}},"energyWh":{{Number(energy)}},"temperatureC":{{Number(temperature)}}}""";
            var within = power is >= -100_000 and <= 100_000 && voltage is >= 0 and <= 500 && current is >= -100 and <= 100
                && energy is >= 0 and <= 1e12 && temperature is >= -50 and <= 150;

            var read = Reader(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(json)));

            return within
                ? read == new TelemetryFields(null, power, voltage, current, energy, temperature)
                : read is null;
        });
    }

    [Theory]
    [InlineData("powerW", -100_000.0, 100_000.0)]
    [InlineData("voltageV", 0.0, 500.0)]
    [InlineData("currentA", -100.0, 100.0)]
    [InlineData("energyWh", 0.0, 1e12)]
    [InlineData("temperatureC", -50.0, 150.0)]
    public void Each_limit_is_inclusive_and_one_step_beyond_is_refused(string field, double min, double max)
    {
        bool Reads(double value) => Reader(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(
            $$"""{"powerW":{{(field == "powerW" ? value : 1).ToString("R", CultureInfo.InvariantCulture)}},"{{field}}":{{value.ToString("R", CultureInfo.InvariantCulture)}}}"""))) is not null;

        Assert.True(Reads(min));
        Assert.True(Reads(max));
        Assert.False(Reads(Math.BitDecrement(min)));
        Assert.False(Reads(Math.BitIncrement(max)));
    }

    private static TelemetryFields? Reader(ReadOnlySequence<byte> payload) =>
        TelemetryReader.TryRead(payload, out var fields) ? fields : null;

    private static TelemetryFields? Serializer(byte[] payload)
    {
        try
        {
            // As the gateway read telemetry before: one value off a reader, whatever follows it.
            var reader = new Utf8JsonReader(payload);
            // Then the limits, which the serializer knows nothing of.
            return JsonSerializer.Deserialize(ref reader, DeviceProtocolJsonContext.Default.DeviceTelemetry) is { } t
                && TelemetryLimits.AreValid(t.PowerW, t.VoltageV, t.CurrentA, t.EnergyWh, t.TemperatureC)
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
