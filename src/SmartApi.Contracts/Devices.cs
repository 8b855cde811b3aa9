using System.Text.Json.Serialization;

namespace SmartApi.Contracts;

/// <summary>Body of <c>POST /v1/devices</c>.</summary>
/// <param name="Serial">The device's serial number, also its MQTT client id and user name; unique in the organization.</param>
/// <param name="Name">A name for people.</param>
/// <param name="Model">Hardware model, such as <c>DT31</c>.</param>
/// <param name="Tags">Free string labels (at most 50), usable as list filters.</param>
/// <param name="Settings">Settings sent to the device.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record CreateDeviceRequest(
    string? Serial,
    string? Name,
    string? Model = null,
    Dictionary<string, string>? Tags = null,
    DeviceSettingsRequest? Settings = null);

/// <summary>
/// Body of <c>PATCH /v1/devices/{id}</c>, with JSON merge patch semantics: absent fields stay as
/// they are; in <c>tags</c>, a key set to null is removed and the other keys are added or replaced.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record UpdateDeviceRequest(
    string? Name = null,
    Dictionary<string, string?>? Tags = null,
    DeviceSettingsRequest? Settings = null);

/// <summary>Device settings in a request; absent fields stay as they are.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record DeviceSettingsRequest(PowerOnState? PowerOnState = null);

/// <summary>Device settings.</summary>
/// <param name="PowerOnState">The state the device takes when power returns.</param>
public sealed record DeviceSettings(PowerOnState PowerOnState);

/// <summary>MQTT credentials of a device, shown once at creation.</summary>
public sealed record DeviceCredentials(string MqttUsername, string MqttPassword);

/// <summary>Answer of <c>GET /v1/devices/count</c>: how many devices match the filters.</summary>
/// <param name="Count">Devices of the organization matching the filters, counted when asked.</param>
public sealed record DeviceCount(long Count);

/// <summary>The latest measurement a device reported.</summary>
/// <param name="Ts">When the device took it.</param>
/// <param name="PowerW">Active power in watts.</param>
/// <param name="VoltageV">RMS voltage in volts.</param>
/// <param name="CurrentA">RMS current in amperes.</param>
/// <param name="EnergyWh">The server's energy total for the device in watt-hours (never goes down, even when the device's counter resets).</param>
/// <param name="TemperatureC">Device temperature in degrees Celsius.</param>
public sealed record LatestMeasurement(
    DateTimeOffset Ts,
    double PowerW,
    double? VoltageV,
    double? CurrentA,
    double EnergyWh,
    double? TemperatureC);

/// <summary>A device. <c>credentials</c> is only present in the response that created it.</summary>
public sealed record DeviceResponse(
    string Id,
    string OrganizationId,
    string Serial,
    string Name,
    string? Model,
    IReadOnlyDictionary<string, string> Tags,
    DeviceSettings Settings,
    bool Online,
    DateTimeOffset? LastSeenAt,
    SwitchState Switch,
    LatestMeasurement? Measurement,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DeviceCredentials? Credentials = null);

/// <summary>Body of <c>POST /v1/devices/{id}/switch</c>.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record SwitchRequest(SwitchAction? State);

/// <summary>A command sent to a device.</summary>
/// <param name="Source">Who issued it: <c>api</c>, <c>automation</c> or <c>schedule</c>.</param>
/// <param name="AutomationId">The automation that issued it, when one did.</param>
public sealed record CommandResponse(
    string Id,
    string DeviceId,
    string Action,
    SwitchAction State,
    CommandStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset ExpiresAt,
    string? Error,
    string Source = "api",
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? AutomationId = null);

/// <summary>
/// The answer of <c>POST /v1/devices/{id}/erase</c>: the audit record of this erasure. Repeating the call
/// is safe: it erases what arrived since and records another erasure.
/// </summary>
/// <param name="Id">The erasure (<c>era_...</c>), also in the <c>device.erased</c> event.</param>
/// <param name="ErasedBy">The API key that asked for it.</param>
/// <param name="MeasurementsDeleted">Raw measurements and energy rollup rows deleted.</param>
/// <param name="EventsErased">Events whose data was blanked by this call (earlier erased ones are not counted again).</param>
/// <param name="DeliveriesErased">Deliveries of those events marked erased, their response bodies removed.</param>
public sealed record DeviceErasureResponse(
    string Id, string DeviceId, DateTimeOffset ErasedAt, string ErasedBy, long MeasurementsDeleted, long EventsErased, long DeliveriesErased);
