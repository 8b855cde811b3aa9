using System.Text.Json;
using System.Text.Json.Serialization;

namespace SmartApi.Webhooks.Events;

/// <summary>
/// Source-generated serializer metadata for the event envelope and every data record
/// (web defaults: camelCase, case-insensitive reading), so receivers work trimmed and AOT-compiled.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(WebhookEvent))]
[JsonSerializable(typeof(DeviceChangedData))]
[JsonSerializable(typeof(DeviceErasedData))]
[JsonSerializable(typeof(DeviceCredentialsRotatedData))]
[JsonSerializable(typeof(DeviceConnectivityData))]
[JsonSerializable(typeof(DeviceSwitchedData))]
[JsonSerializable(typeof(DeviceButtonPressedData))]
[JsonSerializable(typeof(DeviceOverloadData))]
[JsonSerializable(typeof(PowerThresholdData))]
[JsonSerializable(typeof(EnergyCounterResetData))]
[JsonSerializable(typeof(EnergyReportedData))]
[JsonSerializable(typeof(CommandData))]
[JsonSerializable(typeof(AutomationTestData))]
[JsonSerializable(typeof(AutomationDisabledData))]
[JsonSerializable(typeof(AutomationWebhookCircuitData))]
[JsonSerializable(typeof(AutomationScheduledData))]
[JsonSerializable(typeof(BudgetExceededData))]
public sealed partial class WebhookJsonContext : JsonSerializerContext;
