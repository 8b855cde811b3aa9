using Microsoft.Extensions.Time.Testing;
using SmartApi.Contracts;
using SmartApi.Server.Mqtt;
using SmartApi.Server.Tests.Budgets;
using SmartApi.Server.Tests.Webhooks;

namespace SmartApi.Server.Tests.Energy;

/// <summary><c>SmartApi:Energy:ReportPeriod</c> = <c>day</c>: one <c>device.energy.reported</c> per device and local day of its organization.</summary>
public sealed class DailyEnergyReportTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<bool> SampleAsync(SmartApiApplication app, string deviceId, DateTimeOffset at, double deltaWh) => app.SampleAsync(deviceId, at, deltaWh);

    private static Task<IReadOnlyList<EventResponse>> ReportsAsync(HttpClient client) => client.EventsOfTypeAsync("device.energy.reported");

    private static List<EventResponse> OfDay(IEnumerable<EventResponse> reports, DateTimeOffset start) =>
        [.. reports.Where(r => r.Data.GetProperty("periodStart").GetDateTimeOffset() == start)];

    /// <summary>Steps the clock a minute at a time until the reports appear (the reporter wakes each quarter hour).</summary>
    private static async Task<IReadOnlyList<EventResponse>> AdvanceUntilReportedAsync(FakeTimeProvider time, HttpClient client, int count)
    {
        for (var step = 0; step < 60; step++)
        {
            var reports = await ReportsAsync(client);
            if (reports.Count >= count)
            {
                return reports;
            }
            time.Advance(TimeSpan.FromMinutes(1));
            await Task.Delay(20, Ct);
        }
        Assert.Fail("No daily report while the clock moved on.");
        return [];
    }

    [Fact]
    public async Task Each_device_gets_one_report_for_the_whole_local_day_after_it_ends()
    {
        var day = new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero);
        var time = new FakeTimeProvider(day.AddHours(20));
        await using var app = await RetryTests.StartAppAsync(time, settings: new Dictionary<string, string?> { ["SmartApi:Energy:ReportPeriod"] = "day" });
        var (_, client) = await app.CreateTenantAsync("devices:write", "events:read");
        var kettle = await SmartApiApplication.CreateDeviceAsync(client);
        var lamp = await SmartApiApplication.CreateDeviceAsync(client);
        await SampleAsync(app, kettle.Id, day.AddMinutes(-1), 1000);
        await SampleAsync(app, kettle.Id, day.AddHours(1), 5);
        await SampleAsync(app, kettle.Id, day.AddHours(19), 7.25);
        await SampleAsync(app, lamp.Id, day.AddHours(23.9), 3);
        await SampleAsync(app, kettle.Id, day.AddDays(1).AddMinutes(5), 1000);

        time.Advance(TimeSpan.FromHours(4) - TimeSpan.FromMinutes(1));
        await Task.Delay(200, Ct);
        var beforeMidnight = OfDay(await ReportsAsync(client), day);
        time.Advance(TimeSpan.FromMinutes(1) + EnergyReporter.Settle);
        await AdvanceUntilReportedAsync(time, client, 3);
        time.Advance(TimeSpan.FromHours(2));
        await Task.Delay(200, Ct);
        var reports = await ReportsAsync(client);

        Assert.Empty(beforeMidnight);
        // The day before the organization was first seen is caught up once, with the kettle's one sample.
        var caughtUp = Assert.Single(OfDay(reports, day.AddDays(-1))).Data;
        Assert.Equal((kettle.Id, 1000d), (caughtUp.GetProperty("deviceId").GetString(), caughtUp.GetProperty("energyWh").GetDouble()));
        var byDevice = OfDay(reports, day).ToDictionary(r => r.Data.GetProperty("deviceId").GetString()!, r => r.Data);
        Assert.Equal(3, reports.Count);
        Assert.Equal(12.25, byDevice[kettle.Id].GetProperty("energyWh").GetDouble(), 9);
        Assert.Equal(3, byDevice[lamp.Id].GetProperty("energyWh").GetDouble(), 9);
        Assert.All(byDevice.Values, data => Assert.Equal(day.AddDays(1), data.GetProperty("periodEnd").GetDateTimeOffset()));
    }
}
