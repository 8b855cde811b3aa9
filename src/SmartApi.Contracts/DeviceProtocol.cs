using System.Text.Json;
using System.Text.Json.Serialization;

namespace SmartApi.Contracts;

// The MQTT device protocol (docs/mqtt.md): the payloads devices and the cloud exchange. Shared by
// the server's gateway and the device simulator so both speak exactly the same JSON.

/// <summary>The topics of one device, all under <c>devices/{serial}/</c>.</summary>
public static class DeviceTopics
{
    /// <summary>The root every device topic starts with.</summary>
    public const string Root = "devices/";

    /// <summary>Device to cloud: <see cref="DeviceTelemetry"/>.</summary>
    public const string Telemetry = "telemetry";

    /// <summary>Device to cloud, retained: <see cref="DeviceStateReport"/>.</summary>
    public const string State = "state";

    /// <summary>Device to cloud: <see cref="DeviceEventReport"/> (button presses, overloads).</summary>
    public const string Events = "events";

    /// <summary>Device to cloud, retained, also the device's last will: <c>online</c> or <c>offline</c> (used with an external broker).</summary>
    public const string Status = "status";

    /// <summary>Cloud to device, QoS 1: <see cref="DeviceCommand"/>.</summary>
    public const string Commands = "commands";

    /// <summary>Cloud to device, retained: <see cref="DeviceConfig"/>.</summary>
    public const string Config = "config";

    /// <summary><c>devices/{serial}/{kind}</c>.</summary>
    public static string For(string serial, string kind) => Root + serial + "/" + kind;

    /// <summary>Splits <c>devices/{serial}/{kind}</c>; false for any other shape.</summary>
    public static bool TryParse(string topic, out string serial, out string kind)
    {
        serial = kind = "";
        if (!topic.StartsWith(Root, StringComparison.Ordinal))
        {
            return false;
        }
        var rest = topic.AsSpan(Root.Length);
        var slash = rest.IndexOf('/');
        if (slash <= 0 || slash == rest.Length - 1 || rest[(slash + 1)..].Contains('/'))
        {
            return false;
        }
        serial = rest[..slash].ToString();
        kind = rest[(slash + 1)..].ToString();
        return true;
    }
}

/// <summary><c>devices/{serial}/telemetry</c>: one sample. Every field but <see cref="PowerW"/> is optional.</summary>
/// <param name="Ts">When the sample was taken; the server's receive time when absent.</param>
/// <param name="PowerW">Active power in W (required).</param>
/// <param name="VoltageV">Voltage in V.</param>
/// <param name="CurrentA">Current in A.</param>
/// <param name="EnergyWh">The device's energy counter in Wh (may reset).</param>
/// <param name="TemperatureC">Device temperature in °C.</param>
public sealed record DeviceTelemetry(
    DateTimeOffset? Ts,
    double? PowerW,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? VoltageV = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? CurrentA = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? EnergyWh = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? TemperatureC = null);

/// <summary><c>devices/{serial}/state</c>: the relay's state, after every change and on connect.</summary>
/// <param name="Switch"><c>on</c> or <c>off</c>.</param>
/// <param name="Source">Why it changed: <c>button</c>, <c>protection</c>, or (with a command) the command's origin.</param>
/// <param name="CommandId">The command this report answers, if any.</param>
/// <param name="Error">Set when the device could not carry the command out; the command fails with it.</param>
public sealed record DeviceStateReport(
    string? Switch,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Source = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? CommandId = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error = null);

/// <summary><c>devices/{serial}/events</c>: <c>{"type":"button","pressType":"single"}</c> or <c>{"type":"overload","kind":"overpower","value":3900,"limit":3680}</c>.</summary>
/// <param name="Type"><c>button</c> or <c>overload</c>.</param>
/// <param name="PressType">For buttons: <c>single</c>, <c>double</c> or <c>long</c>.</param>
/// <param name="Kind">For overloads: <c>overpower</c>, <c>overcurrent</c> or <c>overtemperature</c>.</param>
/// <param name="Value">For overloads: the measured value.</param>
/// <param name="Limit">For overloads: the limit it crossed.</param>
public sealed record DeviceEventReport(
    string? Type,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? PressType = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Kind = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Value = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Limit = null);

/// <summary><c>devices/{serial}/commands</c>: <c>{"id":"cmd_...","action":"switch","state":"on"}</c>; <c>state</c> may be <c>toggle</c>.</summary>
/// <param name="Id">The command id the device echoes in its state report.</param>
/// <param name="Action"><c>switch</c>.</param>
/// <param name="State"><c>on</c>, <c>off</c> or <c>toggle</c>.</param>
public sealed record DeviceCommand(string Id, string Action, string State);

/// <summary><c>devices/{serial}/config</c> (retained): settings the device applies and keeps.</summary>
/// <param name="PowerOnState">The relay state after power returns: <c>on</c>, <c>off</c> or <c>last</c>.</param>
public sealed record DeviceConfig(string PowerOnState);

/// <summary>Serializer context of the MQTT device protocol (its own: device payloads are not REST bodies).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(DeviceTelemetry))]
[JsonSerializable(typeof(DeviceStateReport))]
[JsonSerializable(typeof(DeviceEventReport))]
[JsonSerializable(typeof(DeviceCommand))]
[JsonSerializable(typeof(DeviceConfig))]
public sealed partial class DeviceProtocolJsonContext : JsonSerializerContext;
