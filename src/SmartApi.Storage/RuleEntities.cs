namespace SmartApi.Storage;

public static class RuleKind
{
    /// <summary>An events trigger evaluated by the engine (conditions, cooldown or switch actions).</summary>
    public const string Event = "event";
    public const string Schedule = "schedule";
    public const string Power = "power";
}

/// <summary>
/// What the automation engine keeps per automation it evaluates: the kind of trigger, the next
/// schedule occurrence (claimed with a conditional update, so each fires once across nodes), and
/// the last run (for the cooldown).
/// </summary>
public sealed record AutomationRule(string AutomationId, string OrganizationId, string Kind, DateTimeOffset? NextFireAt, DateTimeOffset? LastRunAt);

public static class RunStatus
{
    public const string Pending = "pending";
    public const string Succeeded = "succeeded";
    public const string Skipped = "skipped";
    public const string Failed = "failed";
    public const string Cut = "cut";
}

/// <summary>
/// One run of an automation. Queued as <see cref="RunStatus.Pending"/> in the transaction that fired
/// the trigger (the event append, the schedule claim, the power crossing), then leased by a runner
/// and finished in the transaction that takes its actions. <see cref="TriggerJson"/> and
/// <see cref="ResultJson"/> are the server's own JSON.
/// </summary>
public sealed record AutomationRun(
    string Id,
    string OrganizationId,
    string AutomationId,
    string Status,
    string TriggerType,
    string? EventId,
    string TriggerJson,
    DateTimeOffset TriggeredAt,
    string? Reason,
    string? ResultJson,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt);

public static class PowerPhase
{
    /// <summary>The comparison holds since <see cref="PowerTriggerState.Since"/>; it fires at <see cref="PowerTriggerState.DueAt"/>.</summary>
    public const string Pending = "pending";

    /// <summary>It fired; it re-arms once the power is back past the hysteresis band.</summary>
    public const string Fired = "fired";
}

/// <summary>A power trigger's state for one device. No row means armed: nothing is stored while nothing happens.</summary>
public sealed record PowerTriggerState(string AutomationId, string DeviceId, string OrganizationId, string Phase, DateTimeOffset Since, DateTimeOffset? DueAt);

/// <summary>A command to store later (an automation's revert), durable across restarts.</summary>
public sealed record ScheduledCommand(
    string Id,
    string OrganizationId,
    string DeviceId,
    string State,
    string Source,
    string? AutomationId,
    int Depth,
    DateTimeOffset DueAt);
