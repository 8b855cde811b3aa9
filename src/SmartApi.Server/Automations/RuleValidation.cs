using System.Globalization;
using SmartApi.Contracts;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Automations;

/// <summary>Checks schedule and power triggers, conditions and device references against the organization's devices.</summary>
internal sealed class RuleValidation(IDeviceStore store)
{
    public const int MaxConditions = 10;
    public const int MaxPowerDevices = 100;
    public const int MaxForSeconds = 24 * 3600;
    public static readonly IReadOnlyList<string> Operators = ["<", "<=", ">", ">="];
    public static readonly string[] Days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

    public static ScheduleTrigger? ValidateSchedule(ScheduleTrigger schedule, ValidationErrors errors)
    {
        var zone = schedule.TimeZone ?? "UTC";
        if (!TimeZones.TryFind(zone, out _))
        {
            errors.Add("trigger.schedule.timeZone", $"Unknown time zone '{zone}': use an IANA name such as Europe/Zurich.");
        }
        if (string.IsNullOrWhiteSpace(schedule.Cron))
        {
            errors.Add("trigger.schedule.cron", "cron is required: five fields (minute hour day-of-month month day-of-week), e.g. \"0 18 * * 1-5\".");
        }
        else if (CronSchedule.ParseError(schedule.Cron) is { } error)
        {
            errors.Add("trigger.schedule.cron", $"Invalid cron expression: {error}");
        }
        return new ScheduleTrigger(schedule.Cron?.Trim(), zone);
    }

    public async Task<PowerTrigger> ValidatePowerAsync(string organizationId, PowerTrigger power, ValidationErrors errors, CancellationToken cancellationToken)
    {
        var devices = power.DeviceIds?.Distinct(StringComparer.Ordinal).ToList() ?? [];
        if (devices.Count is 0 or > MaxPowerDevices)
        {
            errors.Add("trigger.power.deviceIds", $"deviceIds must list 1-{MaxPowerDevices} devices.");
        }
        else
        {
            foreach (var deviceId in devices)
            {
                await ValidateDeviceAsync(organizationId, deviceId, "trigger.power.deviceIds", errors, cancellationToken);
            }
        }
        ValidateComparison(power.Operator, power.Value, "trigger.power", errors);
        if (power.ForSeconds is < 0 or > MaxForSeconds)
        {
            errors.Add("trigger.power.forSeconds", $"forSeconds must be 0-{MaxForSeconds}.");
        }
        if (power.Hysteresis is { } h && (!double.IsFinite(h) || h < 0))
        {
            errors.Add("trigger.power.hysteresis", "hysteresis must be a number of watts, 0 or more.");
        }
        return new PowerTrigger(devices, power.Operator, power.Value, power.ForSeconds ?? 0, power.Hysteresis ?? 0);
    }

    public async Task<IReadOnlyList<AutomationCondition>> ValidateConditionsAsync(
        string organizationId, IReadOnlyList<AutomationCondition> conditions, ValidationErrors errors, CancellationToken cancellationToken)
    {
        if (conditions.Count > MaxConditions)
        {
            errors.Add("conditions", $"At most {MaxConditions} conditions.");
            return [];
        }
        var valid = new List<AutomationCondition>(conditions.Count);
        for (var i = 0; i < conditions.Count; i++)
        {
            var c = conditions[i];
            var field = $"conditions[{i}]";
            string[]? allowed = c.Type switch
            {
                "switch" => ["deviceId", "state"],
                "power" => ["deviceId", "operator", "value"],
                "time" => ["from", "to", "timeZone"],
                "weekdays" => ["days", "timeZone"],
                _ => null,
            };
            if (allowed is null)
            {
                errors.Add($"{field}.type", "type must be switch, power, time or weekdays.");
                continue;
            }
            var present = new (string Name, bool Set)[]
            {
                ("deviceId", c.DeviceId is not null), ("state", c.State is not null), ("operator", c.Operator is not null),
                ("value", c.Value is not null), ("from", c.From is not null), ("to", c.To is not null), ("days", c.Days is not null),
                ("timeZone", c.TimeZone is not null),
            };
            foreach (var (name, _) in present.Where(p => p.Set && !allowed.Contains(p.Name)))
            {
                errors.Add($"{field}.{name}", $"A {c.Type} condition takes {string.Join(", ", allowed)} only.");
            }
            switch (c.Type)
            {
                case "switch":
                    await ValidateDeviceAsync(organizationId, c.DeviceId, $"{field}.deviceId", errors, cancellationToken);
                    if (c.State is not ("on" or "off"))
                    {
                        errors.Add($"{field}.state", "state must be on or off.");
                    }
                    valid.Add(new AutomationCondition("switch", DeviceId: c.DeviceId, State: c.State));
                    break;
                case "power":
                    await ValidateDeviceAsync(organizationId, c.DeviceId, $"{field}.deviceId", errors, cancellationToken);
                    ValidateComparison(c.Operator, c.Value, field, errors);
                    valid.Add(new AutomationCondition("power", DeviceId: c.DeviceId, Operator: c.Operator, Value: c.Value));
                    break;
                case "time":
                    var from = ParseTime(c.From, $"{field}.from", errors);
                    var to = ParseTime(c.To, $"{field}.to", errors);
                    if (from is not null && from == to)
                    {
                        errors.Add($"{field}.to", "to must differ from from (the window would be empty).");
                    }
                    var timeZone = ValidateZone(c.TimeZone, field, errors);
                    valid.Add(new AutomationCondition("time", From: c.From, To: c.To, TimeZone: timeZone));
                    break;
                default:
                    var days = c.Days?.Select(d => d.ToLowerInvariant()).Distinct(StringComparer.Ordinal).ToList() ?? [];
                    if (days.Count == 0 || days.Any(d => !Days.Contains(d)))
                    {
                        errors.Add($"{field}.days", "days must list 1-7 of mon, tue, wed, thu, fri, sat, sun.");
                    }
                    var weekZone = ValidateZone(c.TimeZone, field, errors);
                    valid.Add(new AutomationCondition("weekdays", Days: days.OrderBy(d => Array.IndexOf(Days, d)).ToList(), TimeZone: weekZone));
                    break;
            }
        }
        return valid;
    }

    public async Task ValidateDeviceAsync(string organizationId, string? deviceId, string field, ValidationErrors errors, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(deviceId))
        {
            errors.Add(field, "deviceId is required: one of your devices (dev_...).");
        }
        else if (!IdGenerator.IsWellFormed(deviceId, "dev") || await store.GetDeviceAsync(organizationId, deviceId, cancellationToken) is null)
        {
            errors.Add(field, $"No device with id '{deviceId}' exists.");
        }
    }

    private static void ValidateComparison(string? op, double? value, string field, ValidationErrors errors)
    {
        if (op is null || !Operators.Contains(op))
        {
            errors.Add($"{field}.operator", "operator must be one of <, <=, >, >=.");
        }
        if (value is not { } v || !double.IsFinite(v))
        {
            errors.Add($"{field}.value", "value is required: a power in watts.");
        }
    }

    private static TimeOnly? ParseTime(string? text, string field, ValidationErrors errors)
    {
        if (TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            return time;
        }
        errors.Add(field, "A time of day as HH:mm (00:00-23:59) is required.");
        return null;
    }

    private static string ValidateZone(string? zone, string field, ValidationErrors errors)
    {
        zone ??= "UTC";
        if (!TimeZones.TryFind(zone, out _))
        {
            errors.Add($"{field}.timeZone", $"Unknown time zone '{zone}': use an IANA name such as Europe/Zurich.");
        }
        return zone;
    }
}
