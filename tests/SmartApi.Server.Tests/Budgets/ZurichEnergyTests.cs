using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SmartApi.Contracts;
using SmartApi.Server.Budgets;
using SmartApi.Server.Mqtt;
using SmartApi.Server.Tests.Webhooks;

namespace SmartApi.Server.Tests.Budgets;

/// <summary>
/// An organization in Europe/Zurich on the spring-forward day of 2026 (29 March, 23 hours): its daily
/// report and its day budget follow local midnight, not UTC's.
/// </summary>
public sealed class ZurichEnergyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly DateTimeOffset LocalMidnight = new(2026, 3, 28, 23, 0, 0, TimeSpan.Zero); // 00:00 CET, 29 March
    private static readonly DateTimeOffset NextLocalMidnight = new(2026, 3, 29, 22, 0, 0, TimeSpan.Zero); // 00:00 CEST, 30 March

    private static async Task<HttpClient> ZurichTenantAsync(SmartApiApplication app)
    {
        var organization = await (await app.Admin.PostJsonAsync("/v1/organizations", """{"name":"Zurich","timeZone":"Europe/Zurich"}"""))
            .ReadAsync(SmartApiJsonContext.Default.OrganizationResponse);
        return app.CreateClient(await app.CreateKeyAsync(["devices:read", "devices:write", "events:read"], organization.Id));
    }

    [Fact]
    public async Task The_daily_report_of_the_spring_forward_day_covers_its_23_local_hours()
    {
        var time = new FakeTimeProvider(NextLocalMidnight.AddHours(-2));
        await using var app = await RetryTests.StartAppAsync(time, settings: new Dictionary<string, string?> { ["SmartApi:Energy:ReportPeriod"] = "day" });
        var client = await ZurichTenantAsync(app);
        var kettle = await SmartApiApplication.CreateDeviceAsync(client);
        await app.SampleAsync(kettle.Id, LocalMidnight.AddMinutes(-1), 1000);
        await app.SampleAsync(kettle.Id, LocalMidnight, 4);
        await app.SampleAsync(kettle.Id, NextLocalMidnight.AddMinutes(-1), 6);
        await app.SampleAsync(kettle.Id, NextLocalMidnight, 1000);

        time.Advance(TimeSpan.FromHours(2) - TimeSpan.FromMinutes(1));
        await Task.Delay(200, Ct);
        var before = EnergyTestKit.ReportsOfPeriod(await client.EventsOfTypeAsync("device.energy.reported"), LocalMidnight);
        time.Advance(TimeSpan.FromMinutes(1) + EnergyReporter.Settle);
        var reports = EnergyTestKit.ReportsOfPeriod(await EnergyTestKit.AdvanceUntilReportedAsync(time, client, 1, LocalMidnight), LocalMidnight);
        // 28 March, caught up when the organization was first seen, ends at the same local midnight.
        var previous = EnergyTestKit.ReportsOfPeriod(await client.EventsOfTypeAsync("device.energy.reported"), LocalMidnight.AddHours(-24));

        Assert.Empty(before);
        var data = Assert.Single(reports).Data;
        var (start, end) = (data.GetProperty("periodStart").GetDateTimeOffset(), data.GetProperty("periodEnd").GetDateTimeOffset());
        Assert.Equal((LocalMidnight, NextLocalMidnight), (start, end));
        Assert.Equal(TimeSpan.FromHours(23), end - start);
        Assert.Equal(10, data.GetProperty("energyWh").GetDouble(), 9);
        var dayBefore = Assert.Single(previous).Data;
        Assert.Equal((LocalMidnight, 1000d), (dayBefore.GetProperty("periodEnd").GetDateTimeOffset(), dayBefore.GetProperty("energyWh").GetDouble()));
    }

    [Fact]
    public async Task A_day_budget_counts_the_local_day_and_fires_again_after_local_midnight()
    {
        var time = new FakeTimeProvider(NextLocalMidnight.AddHours(-1));
        await using var app = await RetryTests.StartAppAsync(time, settings: new Dictionary<string, string?> { ["SmartApi:Budgets:CheckInterval"] = "01:00:00" });
        var client = await ZurichTenantAsync(app);
        var kettle = await SmartApiApplication.CreateDeviceAsync(client);
        await client.PostJsonAsync("/v1/budgets", $$"""{"name":"Kettle","deviceId":"{{kettle.Id}}","period":"day","energyWh":10}""");
        var monitor = app.Services.GetRequiredService<BudgetMonitor>();
        await app.SampleAsync(kettle.Id, LocalMidnight.AddMinutes(-5), 100); // 28 March, local
        await app.SampleAsync(kettle.Id, LocalMidnight.AddMinutes(5), 6);

        await monitor.CheckAsync(Ct);
        var under = await client.EventsOfTypeAsync("energy.budget_exceeded");
        await app.SampleAsync(kettle.Id, NextLocalMidnight.AddMinutes(-30), 5);
        await monitor.CheckAsync(Ct);
        var crossed = await client.EventsOfTypeAsync("energy.budget_exceeded");
        time.Advance(TimeSpan.FromMinutes(90)); // 00:30 CEST on 30 March, still 29 March in UTC
        await app.SampleAsync(kettle.Id, NextLocalMidnight.AddMinutes(10), 11);
        await monitor.CheckAsync(Ct);
        var nextDay = await client.EventsOfTypeAsync("energy.budget_exceeded");

        Assert.Empty(under);
        var first = Assert.Single(crossed).Data;
        Assert.Equal((LocalMidnight, NextLocalMidnight), (first.GetProperty("periodStart").GetDateTimeOffset(), first.GetProperty("periodEnd").GetDateTimeOffset()));
        Assert.Equal(11, first.GetProperty("energyWh").GetDouble(), 9);
        Assert.Equal(2, nextDay.Count);
        var second = nextDay.Single(e => e.Id != crossed[0].Id).Data;
        Assert.Equal(NextLocalMidnight, second.GetProperty("periodStart").GetDateTimeOffset());
        Assert.Equal(NextLocalMidnight.AddHours(24), second.GetProperty("periodEnd").GetDateTimeOffset());
    }
}
