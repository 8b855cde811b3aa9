using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SmartApi.Contracts;
using SmartApi.Server.Budgets;
using SmartApi.Server.Energy;
using SmartApi.Server.Events;
using SmartApi.Server.Tests.Automations;
using SmartApi.Server.Tests.Webhooks;
using SmartApi.Storage;
using SmartApi.Webhooks;

namespace SmartApi.Server.Tests.Budgets;

/// <summary>The budget monitor on a fake clock: once per budget and local period, cost through the optional pricing, and the automation trigger.</summary>
public sealed class BudgetMonitorTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
    private SmartApiApplication _app = null!;
    private HttpClient _client = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly DateTimeOffset Today = new(2026, 11, 25, 0, 0, 0, TimeSpan.Zero);

    public async ValueTask InitializeAsync()
    {
        // The hosted loop checks hourly here; the tests call a pass themselves (a racing pass must not double an event).
        _app = await RetryTests.StartAppAsync(_time, settings: new Dictionary<string, string?> { ["SmartApi:Budgets:CheckInterval"] = "01:00:00" });
        (_, _client) = await _app.CreateTenantAsync("devices:read", "devices:write", "events:read", "automations:read", "automations:write");
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private BudgetMonitor Monitor => _app.Services.GetRequiredService<BudgetMonitor>();

    private Task<bool> SampleAsync(string deviceId, DateTimeOffset at, double deltaWh) => _app.SampleAsync(deviceId, at, deltaWh);

    private async Task<BudgetResponse> CreateBudgetAsync(string json)
    {
        var response = await _client.PostJsonAsync("/v1/budgets", json);
        return await response.ReadAsync(SmartApiJsonContext.Default.BudgetResponse);
    }

    private Task<IReadOnlyList<EventResponse>> ExceededAsync() => _client.EventsOfTypeAsync("energy.budget_exceeded");

    [Fact]
    public async Task A_budget_fires_once_when_crossed_not_again_that_day_and_again_the_next_local_day()
    {
        var kettle = await SmartApiApplication.CreateDeviceAsync(_client, tags: new Dictionary<string, string> { ["room"] = "kitchen" });
        var office = await SmartApiApplication.CreateDeviceAsync(_client, tags: new Dictionary<string, string> { ["room"] = "office" });
        var budget = await CreateBudgetAsync("""{"name":"Kitchen","tag":"room:kitchen","period":"day","energyWh":100}""");
        await SampleAsync(kettle.Id, Today.AddMinutes(-1), 1000);
        await SampleAsync(office.Id, Today.AddHours(8), 1000);
        await SampleAsync(kettle.Id, Today.AddHours(8), 60);

        var under = await Monitor.CheckAsync(Ct);
        await SampleAsync(kettle.Id, Today.AddHours(8.5), 50);
        var crossed = await Monitor.CheckAsync(Ct);
        await SampleAsync(kettle.Id, Today.AddHours(9), 500);
        var again = await Monitor.CheckAsync(Ct);
        var firstDay = await ExceededAsync();
        _time.Advance(TimeSpan.FromDays(1));
        await SampleAsync(kettle.Id, Today.AddDays(1).AddHours(9), 101);
        await Monitor.CheckAsync(Ct);
        await Monitor.CheckAsync(Ct);

        Assert.Equal((0, 1, 0), (under, crossed, again));
        var data = Assert.Single(firstDay).Data;
        Assert.Equal(budget.Id, data.GetProperty("budgetId").GetString());
        Assert.Equal(("Kitchen", "room:kitchen", "day"), (data.GetProperty("name").GetString(), data.GetProperty("tag").GetString(), data.GetProperty("period").GetString()));
        Assert.Equal(110, data.GetProperty("energyWh").GetDouble(), 9);
        Assert.Equal(100, data.GetProperty("limitEnergyWh").GetDouble());
        Assert.Equal(JsonValueKind.Null, data.GetProperty("cost").ValueKind);
        Assert.Equal(Today, data.GetProperty("periodStart").GetDateTimeOffset());
        Assert.Equal(Today.AddDays(1), data.GetProperty("periodEnd").GetDateTimeOffset());
        var both = await ExceededAsync();
        Assert.Equal(2, both.Count);
        var second = both.Single(e => e.Id != firstDay[0].Id).Data;
        Assert.Equal(Today.AddDays(1), second.GetProperty("periodStart").GetDateTimeOffset());
        Assert.Equal(101, second.GetProperty("energyWh").GetDouble(), 9);
    }

    [Fact]
    public async Task Passes_racing_on_one_node_and_the_hosted_loop_emit_one_event()
    {
        var kettle = await SmartApiApplication.CreateDeviceAsync(_client);
        await CreateBudgetAsync($$"""{"name":"Kettle","deviceId":"{{kettle.Id}}","period":"month","energyWh":10}""");
        await SampleAsync(kettle.Id, Today.AddHours(1), 11);

        var passes = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Monitor.CheckAsync(Ct))));
        _time.Advance(TimeSpan.FromHours(1));
        await Monitor.CheckAsync(Ct);

        Assert.InRange(passes.Sum(), 0, 1); // the hosted loop may have taken it first; the event is single either way
        var data = Assert.Single(await ExceededAsync()).Data;
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), data.GetProperty("periodStart").GetDateTimeOffset());
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), data.GetProperty("periodEnd").GetDateTimeOffset());
        Assert.Equal(kettle.Id, data.GetProperty("deviceId").GetString());
    }

    [Fact]
    public async Task A_cost_budget_waits_for_tariffs_and_an_energy_limit_still_fires()
    {
        var kettle = await SmartApiApplication.CreateDeviceAsync(_client);
        var toaster = await SmartApiApplication.CreateDeviceAsync(_client);
        await CreateBudgetAsync($$"""{"name":"Kettle cost","deviceId":"{{kettle.Id}}","period":"day","cost":0.01}""");
        await CreateBudgetAsync($$"""{"name":"Toaster both","deviceId":"{{toaster.Id}}","period":"day","cost":0.01,"energyWh":50}""");
        await SampleAsync(kettle.Id, Today.AddHours(1), 100_000);
        await SampleAsync(toaster.Id, Today.AddHours(1), 100_000);

        // Without tariffs no cost is known: the cost-only budget stays silent, the energy limit beside a cost one fires.
        Assert.Equal(1, await Monitor.CheckAsync(Ct));
        var fired = Assert.Single(await ExceededAsync());
        Assert.Equal(toaster.Id, fired.Data.GetProperty("deviceId").GetString());
    }

    [Fact]
    public async Task A_tag_cost_budget_prices_its_devices_with_a_tariff_created_over_http_band_by_band()
    {
        var (_, client) = await _app.CreateTenantAsync("devices:read", "devices:write", "events:read", "tariffs:write");
        var tariff = await client.PostJsonAsync("/v1/tariffs", """
            {"name":"Home","currency":"CHF",
             "periods":[{"from":"2026-01-01","pricePerKwh":0.20,
                         "bands":[{"name":"peak","days":["mon","tue","wed","thu","fri"],"from":"07:00","to":"20:00","pricePerKwh":0.40}]}],
             "appliesTo":{"organization":true}}
            """);
        Assert.Equal(System.Net.HttpStatusCode.Created, tariff.StatusCode);
        var kettle = await SmartApiApplication.CreateDeviceAsync(client, tags: new() { ["room"] = "kitchen" });
        var toaster = await SmartApiApplication.CreateDeviceAsync(client, tags: new() { ["room"] = "kitchen" });
        var heater = await SmartApiApplication.CreateDeviceAsync(client, tags: new() { ["room"] = "office" });
        await client.PostJsonAsync("/v1/budgets", """{"name":"Kitchen","tag":"room:kitchen","period":"day","cost":0.5}""");
        // Wednesday 25 November, UTC (the organization's zone): 01:00 is off-peak, 08:00 peak.
        await SampleAsync(kettle.Id, Today.AddHours(1), 1000);
        await SampleAsync(heater.Id, Today.AddHours(8), 10_000);
        var under = await Monitor.CheckAsync(Ct);
        await SampleAsync(toaster.Id, Today.AddHours(8), 1000);
        var over = await Monitor.CheckAsync(Ct);

        Assert.Equal((0, 1), (under, over));
        var data = Assert.Single(await client.EventsOfTypeAsync("energy.budget_exceeded")).Data;
        Assert.Equal(0.20 + 0.40, data.GetProperty("cost").GetDouble(), 9);
        Assert.Equal("CHF", data.GetProperty("currency").GetString());
        Assert.Equal(2000, data.GetProperty("energyWh").GetDouble(), 9);
    }

    [Fact]
    public async Task A_month_budget_counts_the_rollups_so_energy_whose_raw_samples_were_pruned_still_counts()
    {
        var kettle = await SmartApiApplication.CreateDeviceAsync(_client);
        await CreateBudgetAsync($$"""{"name":"Kettle","deviceId":"{{kettle.Id}}","period":"month","energyWh":100}""");
        await _app.RollupOnlyAsync(kettle.Id, Today.AddDays(-20), 80);
        await SampleAsync(kettle.Id, Today.AddHours(1), 30);

        Assert.Equal(1, await Monitor.CheckAsync(Ct));
        Assert.Equal(110, Assert.Single(await ExceededAsync()).Data.GetProperty("energyWh").GetDouble(), 9);
    }

    [Fact]
    public async Task A_pass_lists_an_organization_s_devices_once_and_reads_the_rollups_once_per_period_whatever_the_budgets()
    {
        var kitchen = new Dictionary<string, string> { ["room"] = "kitchen" };
        var kettle = await SmartApiApplication.CreateDeviceAsync(_client, tags: kitchen);
        var oven = await SmartApiApplication.CreateDeviceAsync(_client, tags: kitchen);
        var lamp = await SmartApiApplication.CreateDeviceAsync(_client, tags: new Dictionary<string, string> { ["room"] = "office" });
        var fridge = await SmartApiApplication.CreateDeviceAsync(_client);
        var budget = await CreateBudgetAsync("""{"name":"Kitchen","tag":"room:kitchen","period":"day","energyWh":50}""");
        await CreateBudgetAsync("""{"name":"Office","tag":"room:office","period":"day","energyWh":50}""");
        await CreateBudgetAsync($$"""{"name":"Fridge","deviceId":"{{fridge.Id}}","period":"day","energyWh":50}""");
        await CreateBudgetAsync($$"""{"name":"Kettle month","deviceId":"{{kettle.Id}}","period":"month","energyWh":1000}""");
        foreach (var device in new[] { kettle, oven, lamp, fridge })
        {
            await SampleAsync(device.Id, Today.AddHours(1), 30);
        }
        var (store, calls) = CountingStore.Wrap(_app.Store());
        var monitor = new BudgetMonitor(store, new EnergyStatistics(store, _app.Services.GetService<IEnergyPriceTimelines>()), _app.Services.GetRequiredService<EventFactory>(),
            Options.Create(new BudgetOptions()), _time, NullLogger<BudgetMonitor>.Instance);

        var emitted = await monitor.CheckAsync(Ct);

        Assert.Equal(1, emitted);
        var data = Assert.Single(await ExceededAsync()).Data;
        Assert.Equal((budget.Id, 60d), (data.GetProperty("budgetId").GetString(), data.GetProperty("energyWh").GetDouble()));
        Assert.Equal(1, calls.GetValueOrDefault(nameof(ISmartApiStore.ListDevicesAsync)));
        Assert.Equal(0, calls.GetValueOrDefault(nameof(ISmartApiStore.GetDeviceAsync)));
        Assert.Equal(2, calls.GetValueOrDefault(nameof(ISmartApiStore.SumEnergySegmentsAsync)));
    }

    [Fact]
    public async Task An_automation_on_energy_budget_exceeded_delivers_a_signed_webhook()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var automation = await EngineTestKit.CreateAutomationAsync(_client, $$"""
            {"name":"Budget alarm","trigger":{"events":["energy.budget_exceeded"]},"actions":[{"type":"webhook","url":"{{receiver.Url}}"}]}
            """);
        var kettle = await SmartApiApplication.CreateDeviceAsync(_client);
        var budget = await CreateBudgetAsync($$"""{"name":"Kettle","deviceId":"{{kettle.Id}}","period":"day","energyWh":50}""");
        await SampleAsync(kettle.Id, Today.AddHours(9), 75);

        await Monitor.CheckAsync(Ct);
        var request = await receiver.NextAsync();

        Assert.Equal("energy.budget_exceeded", request.Header("X-Event-Type"));
        var verifier = new WebhookVerifier(new WebhookSecret(automation.Actions[0].Secret!), new WebhookVerifierOptions { TimeProvider = _time });
        Assert.True(verifier.Verify(request.Header("X-Signature"), request.Body).IsValid);
        var body = JsonDocument.Parse(request.Body).RootElement;
        Assert.Equal(budget.Id, body.GetProperty("data").GetProperty("budgetId").GetString());
        Assert.Equal(75, body.GetProperty("data").GetProperty("energyWh").GetDouble());
    }
}

/// <summary>With tariffs present (a stand-in <see cref="IEnergyPriceTimelines"/>), a cost limit is checked at the timeline's price.</summary>
public sealed class BudgetCostTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
    private SmartApiApplication _app = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>0.50 CHF per kWh, whatever the device: one timeline with one price from the first bucket on and no fees.</summary>
    private sealed class FlatPricing : IEnergyPriceTimelines
    {
        public ValueTask<DevicePrices> TimelinesAsync(string organizationId, IReadOnlyList<Device> devices, TimeZoneInfo zone,
            IReadOnlyList<LocalBucket> buckets, CancellationToken cancellationToken) =>
            ValueTask.FromResult(new DevicePrices([new PriceTimeline("CHF", [new PriceChange(buckets[0].Start, 0.5)], new double[buckets.Count])],
                [.. devices.Select(_ => 0)]));
    }

    public async ValueTask InitializeAsync() =>
        _app = await SmartApiApplication.StartAsync(new Dictionary<string, string?> { ["SmartApi:Budgets:CheckInterval"] = "01:00:00" }, configure: builder =>
        {
            builder.Services.AddSingleton<TimeProvider>(_time);
            builder.Services.AddSingleton<IEnergyPriceTimelines, FlatPricing>();
        });

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_cost_limit_fires_with_the_cost_and_currency_once_priced()
    {
        var (_, client) = await _app.CreateTenantAsync("devices:read", "devices:write", "events:read");
        var kettle = await SmartApiApplication.CreateDeviceAsync(client);
        await client.PostJsonAsync("/v1/budgets", $$"""{"name":"Kettle","deviceId":"{{kettle.Id}}","period":"day","cost":1.0}""");
        var monitor = _app.Services.GetRequiredService<BudgetMonitor>();
        await _app.SampleAsync(kettle.Id, _time.GetUtcNow().AddHours(-2), 1500);
        var under = await monitor.CheckAsync(Ct);
        await _app.SampleAsync(kettle.Id, _time.GetUtcNow().AddHours(-1), 1000);
        var over = await monitor.CheckAsync(Ct);

        Assert.Equal((0, 1), (under, over));
        var data = Assert.Single(await client.EventsOfTypeAsync("energy.budget_exceeded")).Data;
        Assert.Equal(1.25, data.GetProperty("cost").GetDouble(), 9);
        Assert.Equal("CHF", data.GetProperty("currency").GetString());
        Assert.Equal(2500, data.GetProperty("energyWh").GetDouble(), 9);
    }
}
