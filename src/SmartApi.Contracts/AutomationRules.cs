using System.Text.Json.Serialization;

namespace SmartApi.Contracts;

/// <summary>A cron schedule trigger. Occurrences follow the wall clock of the time zone, across daylight-saving changes.</summary>
/// <param name="Cron">Five fields (minute hour day-of-month month day-of-week), e.g. <c>0 18 * * 1-5</c>; or six with seconds first.</param>
/// <param name="TimeZone">An IANA time zone such as <c>Europe/Zurich</c> (default <c>UTC</c>).</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ScheduleTrigger(string? Cron = null, string? TimeZone = null);

/// <summary>
/// A power threshold trigger: fires once per crossing that holds for <c>forSeconds</c>, and again only
/// after the power went back past the hysteresis band.
/// </summary>
/// <param name="DeviceIds">The devices watched (1-100); each device is evaluated on its own.</param>
/// <param name="Operator"><c>&lt;</c>, <c>&lt;=</c>, <c>&gt;</c> or <c>&gt;=</c>: power (W) compared with <c>value</c>.</param>
/// <param name="Value">The threshold in watts.</param>
/// <param name="ForSeconds">How long the comparison must hold before the trigger fires (0-86400, default 0).</param>
/// <param name="Hysteresis">Watts past the threshold the power must go back before the trigger re-arms (default 0).</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record PowerTrigger(
    IReadOnlyList<string>? DeviceIds = null,
    string? Operator = null,
    double? Value = null,
    int? ForSeconds = null,
    double? Hysteresis = null);

/// <summary>
/// A condition checked when the trigger fires. <c>type</c> says which fields apply:
/// <c>switch</c> (<c>deviceId</c>, <c>state</c> on/off), <c>power</c> (<c>deviceId</c>, <c>operator</c>, <c>value</c>: the device's latest power),
/// <c>time</c> (<c>from</c>, <c>to</c> as HH:mm, <c>timeZone</c>; from inclusive, to exclusive, may cross midnight),
/// <c>weekdays</c> (<c>days</c> of mon..sun, <c>timeZone</c>).
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record AutomationCondition(
    string? Type = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DeviceId = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? State = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Operator = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Value = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? From = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? To = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Days = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? TimeZone = null);

/// <summary>One run of an automation: what fired it and what it did.</summary>
/// <param name="Id">The run's id (<c>run_...</c>).</param>
/// <param name="Status"><c>pending</c> (queued), <c>succeeded</c>, <c>skipped</c> (a condition did not hold, or the cooldown), <c>failed</c> (see <c>errors</c>), or <c>cut</c> (loop protection).</param>
/// <param name="Trigger">What fired it.</param>
/// <param name="Reason">Why it was skipped or cut, e.g. <c>condition[0]: switch of dev_... is off</c>.</param>
/// <param name="CommandIds">Commands the run stored (switch actions).</param>
/// <param name="DeliveryIds">Webhook deliveries the run queued.</param>
/// <param name="Errors">What went wrong, per action.</param>
/// <param name="CreatedAt">When the trigger fired.</param>
/// <param name="FinishedAt">When the run was evaluated; null while pending.</param>
public sealed record AutomationRunResponse(
    string Id,
    string AutomationId,
    string Status,
    AutomationRunTrigger Trigger,
    string? Reason,
    IReadOnlyList<string> CommandIds,
    IReadOnlyList<string> DeliveryIds,
    IReadOnlyList<string> Errors,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt);

/// <summary>What fired a run.</summary>
/// <param name="Type"><c>event</c>, <c>schedule</c> or <c>power</c>.</param>
/// <param name="EventId">The event that fired it (events), or the event it emitted (schedule: <c>automation.scheduled</c>; power: <c>device.power.threshold_exceeded</c>).</param>
/// <param name="ScheduledFor">Schedule: the occurrence (UTC).</param>
/// <param name="DeviceId">Power: the device whose power crossed; event: the event's device.</param>
/// <param name="Value">Power: the power (W) when it fired.</param>
/// <param name="Depth">How many automations acted before in the chain that led here (loop protection).</param>
public sealed record AutomationRunTrigger(
    string Type,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? EventId = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? ScheduledFor = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DeviceId = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Value = null,
    int Depth = 0);
