using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;

namespace SmartApi.Webhooks.Events;

/// <summary>
/// The typed <c>data</c> of a webhook event; see <see cref="WebhookEvent.GetData"/>. These records are the one
/// definition of event data: the server builds and serializes them, and <c>GET /v1/event-types</c> derives each
/// type's JSON Schema from them (the attributes give patterns, allowed values, minimums and descriptions).
/// </summary>
public abstract record WebhookEventData;

/// <summary>Data of every device event: the device and its strictly increasing event counter.</summary>
/// <param name="DeviceId">The device (<c>dev_...</c>).</param>
/// <param name="Sequence">The device's event counter: strictly increasing per device, so receivers can spot reordering.</param>
public abstract record DeviceEventData(
    [property: RegularExpression("^dev_")] string DeviceId,
    [property: Range(1d, double.PositiveInfinity), Description("The device's event counter: strictly increasing per device.")] long Sequence)
    : WebhookEventData;

/// <summary>A field's previous value, as in <c>"changes":{"name":{"from":"Old"}}</c>.</summary>
/// <param name="From">The value before the change (any JSON).</param>
public sealed record WebhookFieldChange(JsonElement From);

/// <summary>Data of <c>device.created</c>, <c>device.updated</c> and <c>device.deleted</c>.</summary>
/// <param name="Serial">The device's serial, e.g. <c>DT31-000123</c>.</param>
/// <param name="Name">The device's name.</param>
/// <param name="Changes">Changed fields with their previous value (<c>device.updated</c> only).</param>
public sealed record DeviceChangedData(
    string DeviceId, long Sequence, string Serial, string Name,
    [property: Description("Changed fields with their previous value: {\"name\":{\"from\":\"Old\"}}.")] IReadOnlyDictionary<string, WebhookFieldChange>? Changes = null)
    : DeviceEventData(DeviceId, Sequence);

/// <summary>Data of <c>device.erased</c>: ids only, no personal data.</summary>
/// <param name="ErasureId">The erasure's audit record (<c>era_...</c>).</param>
/// <param name="ErasedBy">The API key that asked for it (<c>key_...</c>).</param>
public sealed record DeviceErasedData(
    string DeviceId, long Sequence,
    [property: RegularExpression("^era_")] string ErasureId,
    [property: RegularExpression("^key_")] string ErasedBy)
    : DeviceEventData(DeviceId, Sequence);

/// <summary>Data of <c>device.credentials_rotated</c>: who replaced the device's MQTT password and when, never the password.</summary>
/// <param name="Serial">The device's serial, its MQTT user name.</param>
/// <param name="RotatedAt">When the new password took effect.</param>
/// <param name="RotatedBy">The API key that asked for it (<c>key_...</c>).</param>
public sealed record DeviceCredentialsRotatedData(
    string DeviceId, long Sequence, string Serial, DateTimeOffset RotatedAt,
    [property: RegularExpression("^key_")] string RotatedBy)
    : DeviceEventData(DeviceId, Sequence);

/// <summary>Data of <c>device.online</c> and <c>device.offline</c>.</summary>
/// <param name="Reason"><c>connected</c>, <c>disconnected</c>, <c>keepalive_timeout</c> or <c>server_restart</c>.</param>
/// <param name="LastSeenAt">When the device was last heard from, if known.</param>
public sealed record DeviceConnectivityData(
    string DeviceId, long Sequence,
    [property: Description("connected, disconnected, keepalive_timeout, or server_restart.")] string Reason,
    DateTimeOffset? LastSeenAt = null)
    : DeviceEventData(DeviceId, Sequence);

/// <summary>Data of <c>device.switched</c>.</summary>
/// <param name="State"><c>on</c> or <c>off</c>.</param>
/// <param name="PreviousState"><c>on</c>, <c>off</c> or <c>unknown</c>.</param>
/// <param name="Source"><c>button</c>, <c>api</c>, <c>automation</c>, <c>schedule</c> or <c>protection</c>.</param>
/// <param name="CommandId">The command that caused the switch (<c>cmd_...</c>), if any.</param>
public sealed record DeviceSwitchedData(
    string DeviceId, long Sequence,
    [property: AllowedValues("on", "off")] string State,
    [property: AllowedValues("on", "off", "unknown")] string PreviousState,
    [property: AllowedValues("button", "api", "automation", "schedule", "protection")] string Source,
    string? CommandId = null)
    : DeviceEventData(DeviceId, Sequence);

/// <summary>Data of <c>device.button_pressed</c>.</summary>
/// <param name="PressType"><c>single</c>, <c>double</c> or <c>long</c>.</param>
public sealed record DeviceButtonPressedData(string DeviceId, long Sequence, [property: AllowedValues("single", "double", "long")] string PressType)
    : DeviceEventData(DeviceId, Sequence);

/// <summary>Data of <c>device.overload</c>.</summary>
/// <param name="Kind"><c>overpower</c>, <c>overcurrent</c> or <c>overtemperature</c>.</param>
/// <param name="Value">The measured value (W, A or °C).</param>
/// <param name="Limit">The limit it crossed, in the same unit.</param>
public sealed record DeviceOverloadData(
    string DeviceId, long Sequence, [property: AllowedValues("overpower", "overcurrent", "overtemperature")] string Kind, double Value, double Limit)
    : DeviceEventData(DeviceId, Sequence);

/// <summary>Data of <c>device.power.threshold_exceeded</c> and <c>device.power.threshold_cleared</c>.</summary>
/// <param name="AutomationId">The automation whose power trigger fired (<c>aut_...</c>).</param>
/// <param name="Operator"><c>&lt;</c>, <c>&lt;=</c>, <c>&gt;</c> or <c>&gt;=</c>.</param>
/// <param name="Threshold">The trigger's threshold in W.</param>
/// <param name="Value">The power in W when the event was raised.</param>
/// <param name="ForSeconds">How long the condition had to hold.</param>
public sealed record PowerThresholdData(
    string DeviceId, long Sequence,
    [property: RegularExpression("^aut_")] string AutomationId,
    [property: AllowedValues("<", "<=", ">", ">=")] string Operator,
    double Threshold, double Value,
    [property: Range(0d, double.PositiveInfinity)] int ForSeconds)
    : DeviceEventData(DeviceId, Sequence);

/// <summary>Data of <c>device.energy.counter_reset</c>; the server's own total never goes down.</summary>
/// <param name="PreviousWh">The device's counter before the reset.</param>
/// <param name="NewWh">The device's counter after the reset.</param>
public sealed record EnergyCounterResetData(string DeviceId, long Sequence, double PreviousWh, double NewWh)
    : DeviceEventData(DeviceId, Sequence);

/// <summary>Data of <c>device.energy.reported</c>: energy consumed in one clock hour, or in one local day of the organization's time zone.</summary>
/// <param name="PeriodStart">Start of the hour or local day (inclusive).</param>
/// <param name="PeriodEnd">End of the hour or local day (exclusive; a local day is 23 to 25 hours long around DST changes).</param>
/// <param name="EnergyWh">Energy consumed in the period.</param>
public sealed record EnergyReportedData(
    string DeviceId, long Sequence, DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd, [property: Range(0d, double.PositiveInfinity)] double EnergyWh)
    : DeviceEventData(DeviceId, Sequence);

/// <summary>Data of <c>command.succeeded</c>, <c>command.failed</c> and <c>command.expired</c>.</summary>
/// <param name="CommandId">The command (<c>cmd_...</c>).</param>
/// <param name="Action">The command's action, e.g. <c>switch</c>.</param>
/// <param name="Error">Why the command failed, if it did.</param>
public sealed record CommandData(
    string DeviceId, long Sequence, [property: RegularExpression("^cmd_")] string CommandId, [property: AllowedValues("switch")] string Action, string? Error = null)
    : DeviceEventData(DeviceId, Sequence);

/// <summary>Data of <c>automation.test</c>.</summary>
/// <param name="AutomationId">The automation being tested (<c>aut_...</c>).</param>
public sealed record AutomationTestData([property: RegularExpression("^aut_")] string AutomationId) : WebhookEventData;

/// <summary>Data of <c>automation.disabled</c>.</summary>
/// <param name="AutomationId">The automation whose webhook was disabled (<c>aut_...</c>).</param>
/// <param name="Reason"><c>gone</c> (the receiver answered 410) or <c>failing</c> (failing for days).</param>
public sealed record AutomationDisabledData(
    [property: RegularExpression("^aut_")] string AutomationId, [property: AllowedValues("gone", "failing")] string Reason) : WebhookEventData;

/// <summary>Data of <c>automation.webhook.failing</c> and <c>automation.webhook.recovered</c>: a webhook's circuit opened or closed.</summary>
/// <param name="AutomationId">The automation whose webhook it is (<c>aut_...</c>).</param>
/// <param name="ActionIndex">The webhook action's position in the automation's <c>actions</c>, from 0.</param>
/// <param name="FailureStreak">Failed attempts in a row: when it opened, the threshold reached; when it closed, the streak the success ended.</param>
/// <param name="NextProbeAt">When failing: when the first probe may go. Null when recovered.</param>
public sealed record AutomationWebhookCircuitData(
    [property: RegularExpression("^aut_")] string AutomationId, int ActionIndex, int FailureStreak, DateTimeOffset? NextProbeAt) : WebhookEventData;

/// <summary>Data of <c>automation.scheduled</c>: a schedule trigger fired.</summary>
/// <param name="AutomationId">The automation whose schedule fired (<c>aut_...</c>).</param>
/// <param name="ScheduledFor">The occurrence (UTC); after downtime the latest missed one.</param>
/// <param name="Cron">The schedule's cron expression.</param>
/// <param name="TimeZone">The schedule's time zone.</param>
public sealed record AutomationScheduledData(
    [property: RegularExpression("^aut_")] string AutomationId,
    [property: Description("The occurrence; after downtime the latest missed one.")] DateTimeOffset ScheduledFor,
    string Cron, string TimeZone) : WebhookEventData;

/// <summary>Data of <c>energy.budget_exceeded</c>: a budget's device or tag passed a limit in the current local day or month.</summary>
/// <param name="BudgetId">The budget (<c>bud_...</c>).</param>
/// <param name="Name">The budget's name.</param>
/// <param name="DeviceId">The device the budget covers, when it covers one.</param>
/// <param name="Tag">The tag (<c>key:value</c>) whose devices the budget covers, when it covers a tag.</param>
/// <param name="Period"><c>day</c> or <c>month</c>, in the organization's time zone.</param>
/// <param name="PeriodStart">Start of the local day or month (inclusive, UTC).</param>
/// <param name="PeriodEnd">End of the local day or month (exclusive, UTC).</param>
/// <param name="LimitEnergyWh">The budget's energy limit in Wh, if it has one.</param>
/// <param name="LimitCost">The budget's cost limit, if it has one.</param>
/// <param name="EnergyWh">Energy consumed in the period so far.</param>
/// <param name="Cost">Cost of the period so far, when a tariff applies.</param>
/// <param name="Currency">The tariff's currency (ISO 4217), when a tariff applies.</param>
public sealed record BudgetExceededData(
    [property: RegularExpression("^bud_")] string BudgetId,
    string Name,
    [property: RegularExpression("^dev_")] string? DeviceId,
    string? Tag,
    [property: AllowedValues("day", "month")] string Period,
    DateTimeOffset PeriodStart,
    DateTimeOffset PeriodEnd,
    double? LimitEnergyWh,
    double? LimitCost,
    [property: Range(0d, double.PositiveInfinity)] double EnergyWh,
    double? Cost,
    string? Currency) : WebhookEventData;
