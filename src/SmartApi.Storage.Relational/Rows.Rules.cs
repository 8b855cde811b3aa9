namespace SmartApi.Storage.Relational;

internal sealed class RuleRow
{
    public string AutomationId { get; set; } = "";
    public string OrganizationId { get; set; } = "";
    public string Kind { get; set; } = "";
    public long? NextFireAt { get; set; }
    public long? LastRunAt { get; set; }

    public AutomationRule ToEntity() => new(AutomationId, OrganizationId, Kind, Ms.ToTime(NextFireAt), Ms.ToTime(LastRunAt));
}

internal sealed class RunRow
{
    public string Id { get; set; } = "";
    public string OrganizationId { get; set; } = "";
    public string AutomationId { get; set; } = "";
    public string Status { get; set; } = "";
    public string TriggerType { get; set; } = "";
    public string? EventId { get; set; }
    public string TriggerJson { get; set; } = "{}";
    public long TriggeredAt { get; set; }
    public string? Reason { get; set; }
    public string? ResultJson { get; set; }
    public long CreatedAt { get; set; }
    public long? FinishedAt { get; set; }

    public AutomationRun ToEntity() => new(Id, OrganizationId, AutomationId, Status, TriggerType, EventId, TriggerJson,
        Ms.ToTime(TriggeredAt), Reason, ResultJson, Ms.ToTime(CreatedAt), Ms.ToTime(FinishedAt));
}

internal sealed class PowerStateRow
{
    public string AutomationId { get; set; } = "";
    public string DeviceId { get; set; } = "";
    public string OrganizationId { get; set; } = "";
    public string Phase { get; set; } = "";
    public long Since { get; set; }
    public long? DueAt { get; set; }

    public PowerTriggerState ToEntity() => new(AutomationId, DeviceId, OrganizationId, Phase, Ms.ToTime(Since), Ms.ToTime(DueAt));
}

internal sealed class ScheduledCommandRow
{
    public string Id { get; set; } = "";
    public string OrganizationId { get; set; } = "";
    public string DeviceId { get; set; } = "";
    public string State { get; set; } = "";
    public string Source { get; set; } = "";
    public string? AutomationId { get; set; }
    public long Depth { get; set; }
    public long DueAt { get; set; }

    public ScheduledCommand ToEntity() => new(Id, OrganizationId, DeviceId, State, Source, AutomationId, (int)Depth, Ms.ToTime(DueAt));
}

internal sealed class EventPositionRow
{
    public long Position { get; set; }
    public string Type { get; set; } = "";
    public string? DeviceId { get; set; }
}
