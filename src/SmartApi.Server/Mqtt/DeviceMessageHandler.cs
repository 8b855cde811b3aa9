using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using SmartApi.Contracts;
using SmartApi.Server.Infrastructure;
using SmartApi.Server.Measurements;
using SmartApi.Storage;

namespace SmartApi.Server.Mqtt;

/// <summary>
/// Routes one device message by topic kind: telemetry to the <see cref="TelemetryIngestor"/>
/// (batched), state, button and overload reports to <see cref="DeviceReports"/>. A malformed
/// payload is counted and logged and the message dropped; it never throws into the broker, so the
/// device's other messages, before and after, are handled as usual. A message that could not be
/// stored (the disk is full, the database unreachable, or an unexpected error) is
/// <see cref="Outcome.Unavailable"/> or <see cref="Outcome.Failed"/>, so that the broker refuses it
/// instead of acknowledging what it did not keep.
/// </summary>
internal sealed partial class DeviceMessageHandler(
    TelemetryIngestor ingestor,
    DeviceReports reports,
    DevicePresence presence,
    IStoreAdmin store,
    GatewayMetrics metrics,
    TimeProvider time,
    ILogger<DeviceMessageHandler> logger)
{
    private static readonly HashSet<string> PressTypes = new HashSet<string>(StringComparer.Ordinal) { "single", "double", "long" };
    private static readonly HashSet<string> OverloadKinds = new HashSet<string>(StringComparer.Ordinal) { "overpower", "overcurrent", "overtemperature" };

    public enum Outcome
    {
        Handled,
        Malformed,
        Ignored,
        /// <summary>Not stored: a storage fault that passes by itself (disk full, database unreachable).</summary>
        Unavailable,
        /// <summary>Not stored: an unexpected error (logged).</summary>
        Failed,
    }

    /// <param name="trackSession">False with an external broker: presence then comes from the device's status topic.</param>
    public async Task<Outcome> HandleAsync(DeviceIdentity device, string kind, ReadOnlySequence<byte> payload, bool trackSession, CancellationToken cancellationToken)
    {
        using var activity = Tracing.StartDeviceMessage(kind, device);
        try
        {
            var outcome = kind switch
            {
                DeviceTopics.Telemetry => await TelemetryAsync(device, payload, cancellationToken),
                DeviceTopics.State => await StateAsync(device, payload, cancellationToken),
                DeviceTopics.Events => await EventAsync(device, payload, cancellationToken),
                DeviceTopics.Status when !trackSession => await StatusAsync(device, payload, cancellationToken),
                _ => Outcome.Ignored,
            };
            if (outcome == Outcome.Malformed)
            {
                metrics.Malformed(kind);
                Log.Malformed(logger, device.Serial, kind, Preview(payload));
            }
            else if (outcome == Outcome.Handled)
            {
                metrics.Message(kind);
            }
            activity?.SetTag("smartapi.mqtt.outcome", outcome.ToString());
            return outcome;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (store.Faults.IsUnavailable(ex))
        {
            // Not logged per message (the writer's failures are): a full disk refuses them all.
            metrics.Refused("storage");
            activity?.SetStatus(ActivityStatusCode.Error, "storage unavailable");
            return Outcome.Unavailable;
        }
        catch (Exception ex)
        {
            Log.Failed(logger, device.Serial, kind, ex);
            activity?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            return Outcome.Failed;
        }
    }

    private async Task<Outcome> TelemetryAsync(DeviceIdentity device, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        if (!TelemetryReader.TryRead(payload, out var telemetry) || telemetry.PowerW is not { } power)
        {
            return Outcome.Malformed;
        }
        var sample = new TelemetrySample(telemetry.Ts ?? time.GetUtcNow(), power, telemetry.VoltageV, telemetry.CurrentA, telemetry.EnergyWh, telemetry.TemperatureC);
        try
        {
            // Awaited: with QoS 1 the device's PUBACK then means the sample is stored.
            await ingestor.IngestAsync(device.DeviceId, sample, cancellationToken);
        }
        catch (ArgumentException)
        {
            return Outcome.Malformed;
        }
        return Outcome.Handled;
    }

    private async Task<Outcome> StateAsync(DeviceIdentity device, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        if (payload.IsEmpty)
        {
            return Outcome.Ignored; // a retained state being cleared
        }
        if (!TryRead(payload, DeviceProtocolJsonContext.Default.DeviceStateReport, out var report)
            || report.Switch is not ("on" or "off")
            || (report.Source is { } source && !DeviceReports.Sources.Contains(source))
            || (report.CommandId is { } id && (id.Length > 64 || !id.StartsWith("cmd_", StringComparison.Ordinal)))
            || report.Error is { Length: > 500 })
        {
            return Outcome.Malformed;
        }
        // A device deleted meanwhile: its report must not stay retained for the serial's next owner.
        return await reports.ApplyStateAsync(device, report.Switch, report.Source, report.CommandId, report.Error, cancellationToken)
            ? Outcome.Handled
            : Outcome.Ignored;
    }

    private async Task<Outcome> EventAsync(DeviceIdentity device, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        if (!TryRead(payload, DeviceProtocolJsonContext.Default.DeviceEventReport, out var report))
        {
            return Outcome.Malformed;
        }
        switch (report)
        {
            case { Type: "button", PressType: { } pressType } when PressTypes.Contains(pressType):
                await reports.ButtonPressedAsync(device, pressType, cancellationToken);
                return Outcome.Handled;
            case { Type: "overload", Kind: { } kind, Value: { } value, Limit: { } limit }
                when OverloadKinds.Contains(kind) && IsPlausible(kind, value) && IsPlausible(kind, limit):
                await reports.OverloadAsync(device, kind, value, limit, cancellationToken);
                return Outcome.Handled;
            default:
                return Outcome.Malformed;
        }
    }

    /// <summary>An overload's value and limit are a power, a current or a temperature, with their telemetry limits.</summary>
    private static bool IsPlausible(string kind, double value) => kind switch
    {
        "overpower" => TelemetryLimits.IsPower(value),
        "overcurrent" => TelemetryLimits.IsCurrent(value),
        _ => TelemetryLimits.IsTemperature(value),
    };

    private async Task<Outcome> StatusAsync(DeviceIdentity device, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        var text = Encoding.UTF8.GetString(payload).Trim().Trim('"');
        if (text.Equals("online", StringComparison.OrdinalIgnoreCase))
        {
            await presence.ConnectedAsync(device, trackSession: false, cancellationToken);
            return Outcome.Handled;
        }
        if (text.Equals("offline", StringComparison.OrdinalIgnoreCase))
        {
            presence.Disconnected(device, "disconnected", trackSession: false);
            return Outcome.Handled;
        }
        return payload.IsEmpty ? Outcome.Ignored : Outcome.Malformed;
    }

    private static bool TryRead<T>(ReadOnlySequence<byte> payload, JsonTypeInfo<T> typeInfo, out T value) where T : class
    {
        value = null!;
        if (payload.IsEmpty || payload.Length > 16 * 1024)
        {
            return false;
        }
        try
        {
            var reader = new Utf8JsonReader(payload);
            value = JsonSerializer.Deserialize(ref reader, typeInfo)!;
            return value is not null;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Preview(ReadOnlySequence<byte> payload)
    {
        var head = payload.Slice(0, Math.Min(payload.Length, 120));
        return Encoding.UTF8.GetString(head).ReplaceLineEndings(" ");
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEvents.MqttMalformedPayload, Level = LogLevel.Warning, Message = "Dropped a malformed {Kind} message of {Serial}: {Payload}")]
        public static partial void Malformed(ILogger logger, string serial, string kind, string payload);

        [LoggerMessage(EventId = LogEvents.MqttMessageFailed, Level = LogLevel.Error, Message = "Could not handle a {Kind} message of {Serial}")]
        public static partial void Failed(ILogger logger, string serial, string kind, Exception exception);
    }
}
