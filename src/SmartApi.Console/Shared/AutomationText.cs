using System.Globalization;
using SmartApi.Contracts;

namespace SmartApi.WebConsole.Shared;

/// <summary>One-line summaries of an automation's trigger and actions, for the list and the portal.</summary>
public static class AutomationText
{
    public static string Trigger(AutomationTrigger trigger, Func<string, string>? deviceName = null)
    {
        deviceName ??= id => id;
        return trigger switch
        {
            { Schedule: { } s } => $"cron {s.Cron} {s.TimeZone ?? "UTC"}",
            { Power: { } p } => $"power {p.Operator} {Number(p.Value)} W" + (p.ForSeconds is > 0 ? $" for {p.ForSeconds} s" : "") + Devices(p.DeviceIds, deviceName),
            { Events: ["*"] } => "all events" + Devices(trigger.DeviceIds, deviceName),
            _ => string.Join(", ", trigger.Events ?? []) + Devices(trigger.DeviceIds, deviceName),
        };
    }

    public static string Action(AutomationActionResponse action, Func<string, string>? deviceName = null) => action.Type switch
    {
        "switch" => $"switch {(action.Tag is { } tag ? $"tag {tag}" : action.DeviceId is null ? "?" : (deviceName ?? (id => id))(action.DeviceId))} {action.State.ToString()?.ToLowerInvariant()}"
            + (action.RevertAfterSeconds is { } revert ? $", back after {revert} s" : ""),
        _ => $"webhook {action.Url}",
    };

    /// <summary><c>active</c>, or <c>disabled (gone)</c> with the reason.</summary>
    public static string Status(string? status, string? reason) =>
        status is null ? "" : reason is null ? status : $"{status} ({reason})";

    public static string Number(double? value) => value?.ToString("0.###", CultureInfo.InvariantCulture) ?? "?";

    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    private static string Devices(IReadOnlyList<string>? ids, Func<string, string> deviceName) =>
        ids is { Count: > 0 } ? $" (on {string.Join(", ", ids.Select(deviceName))})" : "";
}
