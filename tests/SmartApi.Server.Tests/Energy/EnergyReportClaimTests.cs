using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SmartApi.Server.Energy;
using SmartApi.Server.Events;
using SmartApi.Server.Mqtt;
using SmartApi.Server.Tests.Automations;
using SmartApi.Server.Tests.Budgets;
using SmartApi.Server.Tests.Webhooks;

namespace SmartApi.Server.Tests.Energy;

/// <summary>
/// Several reporters on one database, as on several nodes or after restarts: each claims a period
/// first, then sums it from the energy rollups and appends its reports, all in one unit.
/// </summary>
public sealed class EnergyReportClaimTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Day = new(2026, 11, 25, 0, 0, 0, TimeSpan.Zero);
    // The hosted reporter's clock stays in the day; the reporters under test are handed a later now.
    private readonly FakeTimeProvider _time = new(Day.AddHours(20));
    private SmartApiApplication _app = null!;
    private HttpClient _client = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static DateTimeOffset AfterMidnight => Day.AddDays(1) + EnergyReporter.Settle + TimeSpan.FromMinutes(1);

    public async ValueTask InitializeAsync()
    {
        _app = await RetryTests.StartAppAsync(_time, settings: new Dictionary<string, string?> { ["SmartApi:Energy:ReportPeriod"] = "day" });
        (_, _client) = await _app.CreateTenantAsync("devices:write", "events:read");
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    /// <summary>A reporter of its own, as another node (or a restarted one) would run.</summary>
    private EnergyReporter Node(string period = EnergyReportOptions.Day) => new(_app.Store(), _app.Services.GetRequiredService<EventFactory>(),
        Options.Create(new EnergyReportOptions { ReportPeriod = period }), _time, NullLogger<EnergyReporter>.Instance);

    private async Task<Dictionary<string, double>> ReportedAsync(DateTimeOffset periodStart)
    {
        var reports = (await _client.EventsOfTypeAsync("device.energy.reported"))
            .Where(r => r.Data.GetProperty("periodStart").GetDateTimeOffset() == periodStart).ToList();
        Assert.Equal(reports.Count, reports.Select(r => r.Data.GetProperty("deviceId").GetString()).Distinct().Count());
        var byDevice = reports.ToDictionary(r => r.Data.GetProperty("deviceId").GetString()!, r => r.Data.GetProperty("energyWh").GetDouble());
        Assert.Equal(reports.Count, byDevice.Count); // one report per device, never two
        return byDevice;
    }

    [Fact]
    public async Task Racing_reporters_send_each_device_s_local_day_once_summed_from_the_rollups()
    {
        var kettle = await SmartApiApplication.CreateDeviceAsync(_client);
        var lamp = await SmartApiApplication.CreateDeviceAsync(_client);
        await _app.SampleAsync(kettle.Id, Day.AddHours(1), 5);
        await _app.SampleAsync(kettle.Id, Day.AddHours(19), 7.25);
        await _app.RollupOnlyAsync(lamp.Id, Day.AddHours(23.9), 3); // its raw sample already pruned
        await _app.SampleAsync(kettle.Id, Day.AddDays(1).AddMinutes(5), 1000);

        for (var round = 0; round < 3; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => Node().ReportAsync(AfterMidnight, Ct), Ct)));
        }

        var reported = await ReportedAsync(Day);
        Assert.Equal(2, reported.Count);
        Assert.Equal(12.25, reported[kettle.Id], 9);
        Assert.Equal(3, reported[lamp.Id], 9);
    }

    [Fact]
    public async Task A_day_without_samples_is_claimed_when_it_ends_so_a_late_sample_does_not_reopen_it_on_another_node()
    {
        var kettle = await SmartApiApplication.CreateDeviceAsync(_client);

        await Node().ReportAsync(AfterMidnight, Ct);
        await _app.SampleAsync(kettle.Id, Day.AddHours(23), 40);
        await Node().ReportAsync(AfterMidnight.AddMinutes(15), Ct);

        Assert.Empty(await ReportedAsync(Day));
    }

    [Fact]
    public async Task Racing_hourly_reporters_send_each_device_s_hour_once_summed_from_the_rollups()
    {
        var hour = _time.GetUtcNow().AddHours(-3);
        var kettle = await SmartApiApplication.CreateDeviceAsync(_client);
        var lamp = await SmartApiApplication.CreateDeviceAsync(_client);
        await _app.SampleAsync(kettle.Id, hour.AddMinutes(-1), 1000);
        await _app.SampleAsync(kettle.Id, hour, 2);
        await _app.SampleAsync(kettle.Id, hour.AddMinutes(59), 3.5);
        await _app.RollupOnlyAsync(lamp.Id, hour.AddMinutes(30), 1.5);

        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => Node(EnergyReportOptions.Hour).ReportAsync(hour.AddHours(1).AddMinutes(1), Ct), Ct)));

        var reported = await ReportedAsync(hour);
        Assert.Equal(2, reported.Count);
        Assert.Equal(5.5, reported[kettle.Id], 9);
        Assert.Equal(1.5, reported[lamp.Id], 9);
    }
}
