using SmartApi.Server.Budgets;
using SmartApi.Server.Mqtt;

namespace SmartApi.Server.Tests.Budgets;

/// <summary>Budget periods and daily report days are local days and months, whole across DST changes and odd offsets.</summary>
public sealed class BudgetPeriodTests
{
    private static readonly TimeZoneInfo Zurich = TimeZoneInfo.FindSystemTimeZoneById("Europe/Zurich");
    private static readonly TimeZoneInfo Kathmandu = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kathmandu");

    private static DateTimeOffset Utc(int month, int day, int hour, int minute = 0) => new(2026, month, day, hour, minute, 0, TimeSpan.Zero);

    [Fact]
    public void The_spring_forward_day_in_Zurich_is_one_23_hour_period()
    {
        var period = BudgetPeriods.Current(Utc(3, 29, 12), BudgetPeriods.Day, Zurich);

        Assert.Equal((Utc(3, 28, 23), Utc(3, 29, 22)), (period.Start, period.End));
        Assert.Equal(TimeSpan.FromHours(23), period.End - period.Start);
    }

    [Fact]
    public void The_fall_back_day_in_Zurich_is_one_25_hour_period()
    {
        var period = BudgetPeriods.Current(Utc(10, 25, 12), BudgetPeriods.Day, Zurich);

        Assert.Equal((Utc(10, 24, 22), Utc(10, 25, 23)), (period.Start, period.End));
        Assert.Equal(TimeSpan.FromHours(25), period.End - period.Start);
    }

    [Fact]
    public void A_local_month_runs_from_its_first_local_midnight_to_the_next_months()
    {
        var march = BudgetPeriods.Current(Utc(3, 31, 21, 59), BudgetPeriods.Month, Zurich);
        var april = BudgetPeriods.Current(Utc(3, 31, 22), BudgetPeriods.Month, Zurich);

        Assert.Equal((Utc(2, 28, 23), Utc(3, 31, 22)), (march.Start, march.End));
        Assert.Equal((Utc(3, 31, 22), Utc(4, 30, 22)), (april.Start, april.End));
    }

    [Fact]
    public void A_quarter_hour_offset_zone_starts_its_day_on_the_quarter_hour()
    {
        var period = BudgetPeriods.Current(Utc(6, 1, 18, 14), BudgetPeriods.Day, Kathmandu);
        var next = BudgetPeriods.Current(Utc(6, 1, 18, 15), BudgetPeriods.Day, Kathmandu);

        Assert.Equal((Utc(5, 31, 18, 15), Utc(6, 1, 18, 15)), (period.Start, period.End));
        Assert.Equal(Utc(6, 1, 18, 15), next.Start);
    }

    [Fact]
    public void A_daily_report_covers_23_and_25_hour_days_whole()
    {
        var spring = EnergyReporter.LocalDay(new DateOnly(2026, 3, 29), Zurich);
        var autumn = EnergyReporter.LocalDay(new DateOnly(2026, 10, 25), Zurich);

        Assert.Equal((Utc(3, 28, 23), Utc(3, 29, 22)), spring);
        Assert.Equal((Utc(10, 24, 22), Utc(10, 25, 23)), autumn);
    }
}
