using System.Globalization;
using SmartApi.Contracts;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Automations;

/// <summary>
/// Evaluates conditions when a trigger fires, inside the unit that records the run, so the device
/// state read is the committed one. Time and weekday conditions use the time the trigger fired
/// (not when a runner got to it), in the condition's time zone.
/// </summary>
internal static class RunConditions
{
    /// <summary>The first condition that does not hold, as a reason for the run; null when all hold.</summary>
    public static async ValueTask<string?> FailureAsync(IStoreTransaction tx, string organizationId, IReadOnlyList<AutomationCondition> conditions, DateTimeOffset at)
    {
        for (var i = 0; i < conditions.Count; i++)
        {
            var c = conditions[i];
            var failure = c.Type switch
            {
                "switch" or "power" => await DeviceFailureAsync(tx, organizationId, c),
                "time" => TimeFailure(c, at),
                "weekdays" => WeekdayFailure(c, at),
                _ => $"unknown condition type '{c.Type}'",
            };
            if (failure is not null)
            {
                return $"conditions[{i}]: {failure}";
            }
        }
        return null;
    }

    public static bool Compare(double power, string op, double value) => op switch
    {
        "<" => power < value,
        "<=" => power <= value,
        ">" => power > value,
        ">=" => power >= value,
        _ => false,
    };

    private static async ValueTask<string?> DeviceFailureAsync(IStoreTransaction tx, string organizationId, AutomationCondition c)
    {
        if (await tx.GetDeviceAsync(organizationId, c.DeviceId!) is not { } device)
        {
            return $"device {c.DeviceId} no longer exists";
        }
        if (c.Type == "switch")
        {
            return device.Switch == c.State ? null : $"{device.Id} is {device.Switch}, not {c.State}";
        }
        if (device.Latest is not { } latest)
        {
            return $"{device.Id} has no measurement yet";
        }
        return Compare(latest.PowerW, c.Operator!, c.Value!.Value)
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"{device.Id} draws {latest.PowerW} W, not {c.Operator} {c.Value} W");
    }

    private static string? TimeFailure(AutomationCondition c, DateTimeOffset at)
    {
        var local = Local(c, at);
        var now = TimeOnly.FromTimeSpan(local.TimeOfDay);
        var from = TimeOnly.ParseExact(c.From!, "HH:mm", CultureInfo.InvariantCulture);
        var to = TimeOnly.ParseExact(c.To!, "HH:mm", CultureInfo.InvariantCulture);
        // from is inclusive, to exclusive; a window with from after to runs across midnight.
        var inside = from < to ? now >= from && now < to : now >= from || now < to;
        return inside ? null : $"{local:HH:mm} in {c.TimeZone} is outside {c.From}-{c.To}";
    }

    private static string? WeekdayFailure(AutomationCondition c, DateTimeOffset at)
    {
        var local = Local(c, at);
        var day = RuleValidation.Days[((int)local.DayOfWeek + 6) % 7];
        return c.Days!.Contains(day) ? null : $"{day} in {c.TimeZone} is not one of {string.Join(",", c.Days!)}";
    }

    private static DateTimeOffset Local(AutomationCondition c, DateTimeOffset at) =>
        TimeZones.TryFind(c.TimeZone ?? "UTC", out var zone) ? TimeZoneInfo.ConvertTime(at, zone) : at;
}
