using Cronos;
using SmartApi.Server.Infrastructure;

namespace SmartApi.Server.Automations;

/// <summary>
/// A cron expression in a time zone (Cronos). Occurrences follow the zone's wall clock: across a
/// spring-forward gap an occurrence inside the missing hour fires at the end of the gap; across a
/// fall-back overlap a fixed-time occurrence fires once (interval expressions such as <c>*/30</c>
/// fire in both copies of the hour, as Cronos defines).
/// </summary>
internal sealed class CronSchedule
{
    /// <summary>After downtime, at most this many missed occurrences are walked to find the latest.</summary>
    private const int MaxMissedWalk = 1_000_000;

    private readonly CronExpression _expression;
    private readonly TimeZoneInfo _zone;

    private CronSchedule(CronExpression expression, TimeZoneInfo zone)
    {
        _expression = expression;
        _zone = zone;
    }

    public static CronSchedule Create(string cron, string? timeZone)
    {
        if (!TimeZones.TryFind(timeZone ?? "UTC", out var zone))
        {
            throw new ArgumentException($"Unknown time zone '{timeZone}'.", nameof(timeZone));
        }
        return new CronSchedule(Parse(cron), zone);
    }

    /// <summary>Why <paramref name="cron"/> is not a valid expression, or null when it is.</summary>
    public static string? ParseError(string cron)
    {
        try
        {
            Parse(cron);
            return null;
        }
        catch (CronFormatException ex)
        {
            return ex.Message;
        }
    }

    private static CronExpression Parse(string cron)
    {
        var trimmed = cron.Trim();
        // Five fields is the classic form; six adds seconds in front.
        var format = trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard;
        return CronExpression.Parse(trimmed, format);
    }

    /// <summary>The first occurrence strictly after <paramref name="after"/>, or null if there is none.</summary>
    public DateTimeOffset? Next(DateTimeOffset after) => _expression.GetNextOccurrence(after, _zone, inclusive: false);

    /// <summary>
    /// The latest occurrence from <paramref name="due"/> (itself an occurrence, as <see cref="Next"/>
    /// gave it) up to <paramref name="now"/>, and how many earlier ones it stands for: after downtime
    /// only the latest missed occurrence fires. <paramref name="due"/> is taken as is rather than
    /// searched again, because an occurrence moved out of a spring-forward gap does not match the
    /// expression when searched from itself.
    /// </summary>
    public (DateTimeOffset Occurrence, int Missed)? Latest(DateTimeOffset due, DateTimeOffset now)
    {
        if (due > now)
        {
            return null;
        }
        var (latest, missed) = (due, 0);
        while (missed < MaxMissedWalk && Next(latest) is { } next && next <= now)
        {
            (latest, missed) = (next, missed + 1);
        }
        return (latest, missed);
    }
}
