using System.Text.Json;
using System.Text.Json.Serialization;
using SmartApi.Contracts;

namespace SmartApi.Server.Mqtt;

// The data of the events the gateway emits (besides deviceId and sequence, which the store adds);
// SmartApi.Webhooks.Events has the matching typed records receivers read.

internal sealed record SwitchedData(string State, string PreviousState, string Source, string? CommandId);

internal sealed record ButtonPressedData(string PressType);

internal sealed record OverloadData(string Kind, double Value, double Limit);

internal sealed record ConnectivityData(string Reason, DateTimeOffset? LastSeenAt);

internal sealed record CommandEventData(string CommandId, string Action, string? Error);

internal sealed record EnergyReportedData(DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd, double EnergyWh);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, Converters = [typeof(UtcTimestampConverter)])]
[JsonSerializable(typeof(SwitchedData))]
[JsonSerializable(typeof(ButtonPressedData))]
[JsonSerializable(typeof(OverloadData))]
[JsonSerializable(typeof(ConnectivityData))]
[JsonSerializable(typeof(CommandEventData))]
[JsonSerializable(typeof(EnergyReportedData))]
internal sealed partial class GatewayEventJsonContext : JsonSerializerContext;
