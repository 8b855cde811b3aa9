using SmartApi.Contracts;

namespace SmartApi.Server.Tariffs;

/// <summary>
/// A tariff compiled for pricing: per validity period, a price for each local quarter hour of the
/// week (7 x 96), so pricing a slot is two array reads. Local days are counted as
/// <see cref="DateOnly.DayNumber"/>, whose day 0 (0001-01-01) is a Monday: the weekday is the day number mod 7.
/// </summary>
internal sealed class TariffSchedule
{
    public const int QuartersPerWeek = 7 * TariffText.QuartersPerDay;

    private TariffSchedule(string currency, PeriodSchedule[] periods)
    {
        Currency = currency;
        Periods = periods;
    }

    public string Currency { get; }

    /// <summary>In date order, not overlapping.</summary>
    public PeriodSchedule[] Periods { get; }

    /// <summary>Compiles validated periods (<see cref="TariffValidation"/>); a definition read back from storage is one.</summary>
    public static TariffSchedule Compile(string currency, IReadOnlyList<TariffPeriod> periods) =>
        new(currency, [.. periods.Select(CompilePeriod)]);

    /// <summary>The period in force on local day <paramref name="day"/>, starting the search at <paramref name="hint"/> (the last one found).</summary>
    public PeriodSchedule? PeriodOn(int day, ref int hint)
    {
        var periods = Periods;
        if ((uint)hint < (uint)periods.Length && periods[hint].Contains(day))
        {
            return periods[hint];
        }
        int low = 0, high = periods.Length - 1;
        while (low <= high)
        {
            var middle = (low + high) >>> 1;
            var period = periods[middle];
            if (day < period.FromDay)
            {
                high = middle - 1;
            }
            else if (day >= period.ToDay)
            {
                low = middle + 1;
            }
            else
            {
                hint = middle;
                return period;
            }
        }
        return null;
    }

    private static PeriodSchedule CompilePeriod(TariffPeriod period)
    {
        var fromDay = TariffText.TryParseDate(period.From, out var from) ? from.DayNumber : int.MaxValue;
        var toDay = TariffText.TryParseDate(period.To, out var to) ? to.DayNumber : int.MaxValue;
        var prices = new double[QuartersPerWeek];
        Array.Fill(prices, period.PricePerKwh ?? 0);
        foreach (var band in period.Bands ?? [])
        {
            foreach (var (day, quarter) in Quarters(band))
            {
                prices[day * TariffText.QuartersPerDay + quarter] = band.PricePerKwh ?? 0;
            }
        }
        return new PeriodSchedule(fromDay, toDay, prices, period.FixedFees?.PerDay ?? 0, period.FixedFees?.PerMonth ?? 0);
    }

    /// <summary>
    /// The (weekday, quarter) cells of the week a band covers. A band from 22:00 to 06:00 on Friday
    /// covers Friday 22:00-24:00 and Saturday 00:00-06:00: the part after midnight belongs to the
    /// day the band starts on. A band without days covers every day.
    /// </summary>
    public static IEnumerable<(int Day, int Quarter)> Quarters(TariffBand band)
    {
        // Validated bands only: an unparsable time covers nothing.
        if (!TariffText.TryParseQuarter(band.From, out var from) || !TariffText.TryParseQuarter(band.To, out var to))
        {
            yield break;
        }
        var days = band.Days is { Count: > 0 } listed ? listed.Select(TariffText.Weekday).Distinct() : Enumerable.Range(0, 7);
        foreach (var day in days)
        {
            if (from < to)
            {
                for (var q = from; q < to; q++)
                {
                    yield return (day, q);
                }
                continue;
            }
            for (var q = from; q < TariffText.QuartersPerDay; q++)
            {
                yield return (day, q);
            }
            for (var q = 0; q < to; q++)
            {
                yield return ((day + 1) % 7, q);
            }
        }
    }
}

/// <summary>One validity period: local days <c>[FromDay, ToDay)</c> as day numbers, a price per quarter hour of the week, and its fees.</summary>
internal sealed record PeriodSchedule(int FromDay, int ToDay, double[] Prices, double FeePerDay, double FeePerMonth)
{
    public bool Contains(int day) => day >= FromDay && day < ToDay;
}
