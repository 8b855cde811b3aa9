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

    private static Task<IReadOnlyList<EventResponse>> ReportsAsync(HttpClient client) => client.EventsOfTypeAsync("device.energy.reported");

    [Fact]
    public async Task Each_device_gets_one_report_for_the_whole_local_day_after_it_ends()
    {
        var day = new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero);
        var time = new FakeTimeProvider(day.AddHours(20));
        await using var app = await RetryTests.StartAppAsync(time, settings: new Dictionary<string, string?> { ["SmartApi:Energy:ReportPeriod"] = "day" });
        var (_, client) = await app.CreateTenantAsync("devices:write", "events:read");
        var kettle = await SmartApiApplication.CreateDeviceAsync(client);
        var lamp = await SmartApiApplication.CreateDeviceAsync(client);
        await app.SampleAsync(kettle.Id, day.AddMinutes(-1), 1000);
        await app.SampleAsync(kettle.Id, day.AddHours(1), 5);
        await app.SampleAsync(kettle.Id, day.AddHours(19), 7.25);
        await app.SampleAsync(lamp.Id, day.AddHours(23.9), 3);
        await app.SampleAsync(kettle.Id, day.AddDays(1).AddMinutes(5), 1000);

        time.Advance(TimeSpan.FromHours(4) - TimeSpan.FromMinutes(1));
        await Task.Delay(200, Ct);
        var beforeMidnight = EnergyTestKit.ReportsOfPeriod(await ReportsAsync(client), day);
        time.Advance(TimeSpan.FromMinutes(1) + EnergyReporter.Settle);
        await EnergyTestKit.AdvanceUntilReportedAsync(time, client, 3);
        time.Advance(TimeSpan.FromHours(2));
        await Task.Delay(200, Ct);
        var reports = await ReportsAsync(client);

        Assert.Empty(beforeMidnight);
        // The day before the organization was first seen is caught up once, with the kettle's one sample.
        var caughtUp = Assert.Single(EnergyTestKit.ReportsOfPeriod(reports, day.AddDays(-1))).Data;
        Assert.Equal((kettle.Id, 1000d), (caughtUp.GetProperty("deviceId").GetString(), caughtUp.GetProperty("energyWh").GetDouble()));
        var byDevice = EnergyTestKit.ReportsOfPeriod(reports, day).ToDictionary(r => r.Data.GetProperty("deviceId").GetString()!, r => r.Data);
        Assert.Equal(3, reports.Count);
        Assert.Equal(12.25, byDevice[kettle.Id].GetProperty("energyWh").GetDouble(), 9);
        Assert.Equal(3, byDevice[lamp.Id].GetProperty("energyWh").GetDouble(), 9);
        Assert.All(byDevice.Values, data => Assert.Equal(day.AddDays(1), data.GetProperty("periodEnd").GetDateTimeOffset()));
    }
}
