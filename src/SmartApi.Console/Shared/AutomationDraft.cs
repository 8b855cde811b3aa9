using SmartApi.Contracts;

namespace SmartApi.WebConsole.Shared;

/// <summary>
/// What the automation form edits: every field <see cref="AutomationRequest"/> can express, mutable for
/// binding, built from an <see cref="AutomationResponse"/> and turned back into a request. The form keeps
/// no rule of its own: whatever the draft holds goes to the API, which validates it.
/// </summary>
public sealed class AutomationDraft
{
    public string Name { get; set; } = "";
    public bool Enabled { get; set; } = true;
    public int? CooldownSeconds { get; set; }
    public TriggerDraft Trigger { get; set; } = new();
    public List<ConditionDraft> Conditions { get; } = [];
    public List<ActionDraft> Actions { get; } = [];

    public static AutomationDraft New() => new() { Actions = { ActionDraft.Webhook() } };

    public static AutomationDraft From(AutomationResponse automation)
    {
        var draft = new AutomationDraft
        {
            Name = automation.Name,
            Enabled = automation.Enabled,
            CooldownSeconds = automation.CooldownSeconds,
            Trigger = TriggerDraft.From(automation.Trigger),
        };
        draft.Conditions.AddRange(automation.Conditions.Select(ConditionDraft.Of));
        draft.Actions.AddRange(automation.Actions.Select(ActionDraft.From));
        return draft;
    }

    /// <summary>The error paths a field of the form shows as the draft stands; the API's other messages go to the top.</summary>
    public IEnumerable<string> FieldPaths()
    {
        string[] fixedPaths = ["name", "enabled", "cooldownSeconds", "trigger", "conditions", "actions"];
        var trigger = Trigger.Kind switch
        {
            TriggerKind.Schedule => new[] { "trigger.schedule", "trigger.schedule.cron", "trigger.schedule.timeZone" },
            TriggerKind.Power => ["trigger.power", "trigger.power.deviceIds", "trigger.power.deviceIds[]", "trigger.power.operator", "trigger.power.value",
                "trigger.power.forSeconds", "trigger.power.hysteresis"],
            _ => ["trigger.events", "trigger.events[]", "trigger.deviceIds", "trigger.deviceIds[]"],
        };
        var conditions = Conditions.SelectMany((c, i) => c.Fields().Prepend("type").Select(f => $"conditions[{i}].{f}").Prepend($"conditions[{i}]"));
        var actions = Actions.SelectMany((a, i) => a.Fields().Prepend("type").Select(f => $"actions[{i}].{f}").Prepend($"actions[{i}]"));
        return fixedPaths.Concat(trigger).Concat(conditions).Concat(actions);
    }

    /// <summary>The request for a create, or a PATCH when <paramref name="includeEnabled"/> is false (the page's switch owns it then).</summary>
    public AutomationRequest ToRequest(bool includeEnabled = true) => new(
        Name,
        includeEnabled ? Enabled : null,
        Trigger.ToTrigger(),
        Conditions.Select(c => c.ToCondition()).ToList(),
        Actions.Select(a => a.ToRequest()).ToList(),
        // 0 removes a cooldown on PATCH; null would keep the stored one.
        CooldownSeconds ?? 0);
}

public enum TriggerKind
{
    Events,
    Schedule,
    Power,
}

public sealed class TriggerDraft
{
    public TriggerKind Kind { get; set; }
    public bool AllEvents { get; set; }
    public IEnumerable<string> Events { get; set; } = [];
    public IEnumerable<string> EventDevices { get; set; } = [];
    public string? Cron { get; set; }
    public string? TimeZone { get; set; } = "UTC";
    public IEnumerable<string> PowerDevices { get; set; } = [];
    public string Operator { get; set; } = ">";
    public double? Value { get; set; }
    public int? ForSeconds { get; set; }
    public double? Hysteresis { get; set; }

    public static TriggerDraft From(AutomationTrigger trigger) => trigger switch
    {
        { Schedule: { } s } => new() { Kind = TriggerKind.Schedule, Cron = s.Cron, TimeZone = s.TimeZone ?? "UTC" },
        { Power: { } p } => new()
        {
            Kind = TriggerKind.Power,
            PowerDevices = p.DeviceIds ?? [],
            Operator = p.Operator ?? ">",
            Value = p.Value,
            ForSeconds = p.ForSeconds,
            Hysteresis = p.Hysteresis,
        },
        _ => new()
        {
            Kind = TriggerKind.Events,
            AllEvents = trigger.Events is ["*"],
            Events = trigger.Events is ["*"] ? [] : trigger.Events ?? [],
            EventDevices = trigger.DeviceIds ?? [],
        },
    };

    public AutomationTrigger ToTrigger() => Kind switch
    {
        TriggerKind.Schedule => new(Schedule: new ScheduleTrigger(Blank(Cron), Blank(TimeZone))),
        TriggerKind.Power => new(Power: new PowerTrigger(PowerDevices.ToList(), Operator, Value, ForSeconds, Hysteresis)),
        _ => new(AllEvents ? ["*"] : Events.ToList(), EventDevices.Any() ? EventDevices.ToList() : null),
    };

    internal static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}

public sealed class ConditionDraft
{
    public static readonly IReadOnlyList<string> Weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

    public string Type { get; set; } = "switch";
    public string? DeviceId { get; set; }
    public string State { get; set; } = "on";
    public string Operator { get; set; } = ">";
    public double? Value { get; set; }
    public string? From { get; set; }
    public string? To { get; set; }
    public IEnumerable<string> Days { get; set; } = [];
    public string? TimeZone { get; set; } = "UTC";

    public static ConditionDraft Of(AutomationCondition c) => new()
    {
        Type = c.Type ?? "switch",
        DeviceId = c.DeviceId,
        State = c.State ?? "on",
        Operator = c.Operator ?? ">",
        Value = c.Value,
        From = c.From,
        To = c.To,
        Days = c.Days ?? [],
        TimeZone = c.TimeZone ?? "UTC",
    };

    /// <summary>The fields a condition of this type has (error paths under <c>conditions[i]</c>).</summary>
    public IReadOnlyList<string> Fields() => Type switch
    {
        "switch" => ["deviceId", "state"],
        "power" => ["deviceId", "operator", "value"],
        "time" => ["from", "to", "timeZone"],
        "weekdays" => ["days", "timeZone"],
        _ => [],
    };

    /// <summary>Only the fields of this type: the API refuses the others.</summary>
    public AutomationCondition ToCondition() => Type switch
    {
        "switch" => new(Type, DeviceId: DeviceId, State: State),
        "power" => new(Type, DeviceId: DeviceId, Operator: Operator, Value: Value),
        "time" => new(Type, From: TriggerDraft.Blank(From), To: TriggerDraft.Blank(To), TimeZone: TriggerDraft.Blank(TimeZone)),
        "weekdays" => new(Type, Days: Weekdays.Where(Days.Contains).ToList(), TimeZone: TriggerDraft.Blank(TimeZone)),
        _ => new(Type),
    };
}

public sealed class ActionDraft
{
    public string Type { get; set; } = "webhook";
    public string? Url { get; set; }
    public List<HeaderDraft> Headers { get; } = [];
    public bool Ordered { get; set; }
    public bool StandardWebhooks { get; set; }
    public string? DeviceId { get; set; }

    /// <summary>Instead of a device: every device with this tag (<c>key:value</c> or <c>key</c>) when the action runs.</summary>
    public string? Tag { get; set; }
    public SwitchAction State { get; set; } = SwitchAction.On;
    public int? RevertAfterSeconds { get; set; }

    /// <summary>As stored: <c>active</c> or <c>disabled</c> with its reason (null for a new action).</summary>
    public string? Status { get; init; }
    public string? DisabledReason { get; init; }

    /// <summary>Kept as read, so saving from the console does not reset a webhook's limits (ADR 041).</summary>
    public WebhookRateLimit? RateLimit { get; init; }
    public WebhookCircuitBreaker? CircuitBreaker { get; init; }

    public static ActionDraft Webhook() => new();

    public static ActionDraft Switch() => new() { Type = "switch" };

    public static ActionDraft From(AutomationActionResponse a)
    {
        var draft = new ActionDraft
        {
            Type = a.Type,
            Url = a.Url,
            Ordered = a.Ordered,
            StandardWebhooks = a.StandardWebhooks,
            DeviceId = a.DeviceId,
            Tag = a.Tag,
            State = a.State ?? SwitchAction.On,
            RevertAfterSeconds = a.RevertAfterSeconds,
            Status = a.Status,
            DisabledReason = a.DisabledReason,
            RateLimit = a.RateLimit,
            CircuitBreaker = a.CircuitBreaker,
        };
        // Values read back as ***: sent unchanged, the API keeps the stored value.
        draft.Headers.AddRange((a.Headers ?? new Dictionary<string, string>()).Select(h => new HeaderDraft { Name = h.Key, Value = h.Value }));
        return draft;
    }

    /// <summary>The fields an action of this type has (error paths under <c>actions[i]</c>).</summary>
    public IReadOnlyList<string> Fields() => Type == "switch" ? ["deviceId", "tag", "state", "revertAfterSeconds"] : ["url", "headers", "ordered", "standardWebhooks"];

    /// <summary>Only the fields of this type: the API refuses the others.</summary>
    public AutomationActionRequest ToRequest() => Type == "switch"
        ? new(Type, DeviceId: DeviceId, State: State, RevertAfterSeconds: RevertAfterSeconds, Tag: TriggerDraft.Blank(Tag)?.Trim())
        : new(Type, TriggerDraft.Blank(Url),
            Headers.Count == 0 ? null : Headers.Where(h => !string.IsNullOrWhiteSpace(h.Name))
                .GroupBy(h => h.Name.Trim(), StringComparer.OrdinalIgnoreCase)
                .ToDictionary(g => g.Key, g => g.Last().Value ?? "", StringComparer.OrdinalIgnoreCase),
            Ordered, StandardWebhooks, RateLimit: RateLimit, CircuitBreaker: CircuitBreaker);
}

public sealed class HeaderDraft
{
    public string Name { get; set; } = "";
    public string? Value { get; set; }
}
