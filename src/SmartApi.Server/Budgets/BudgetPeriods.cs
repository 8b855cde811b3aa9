using SmartApi.Server.Energy;

namespace SmartApi.Server.Budgets;

/// <summary>A budget's current period: its UTC bounds on the 15-minute grid of <see cref="LocalCalendar"/>.</summary>
internal readonly record struct BudgetPeriod(DateTimeOffset Start, DateTimeOffset End);

/// <summary>The periods a budget counts over, and the bounds of its limits.</summary>
internal static class BudgetPeriods
{
    public const string Day = "day";
    public const string Month = "month";
    public const double MaxEnergyWh = 1e12;
    public const double MaxCost = 1e12;

    /// <summary>
    /// The local day or month of <paramref name="zone"/> that holds <paramref name="now"/>: a 23- or 25-hour
    /// day is one period, and a month starts at its first local midnight.
    /// </summary>
    public static BudgetPeriod Current(DateTimeOffset now, string period, TimeZoneInfo zone)
    {
        var interval = period == Month ? EnergyInterval.Month : EnergyInterval.Day;
        var start = LocalCalendar.BucketStart(now, interval, zone);
        var date = LocalCalendar.LocalDate(start, zone);
        var next = interval == EnergyInterval.Month ? new DateOnly(date.Year, date.Month, 1).AddMonths(1) : date.AddDays(1);
        return new BudgetPeriod(start, LocalCalendar.StartOfDay(next, zone));
    }
}
