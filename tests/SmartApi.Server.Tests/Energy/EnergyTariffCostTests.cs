using Microsoft.Extensions.DependencyInjection;
using SmartApi.Contracts;
using SmartApi.Server.Measurements;

namespace SmartApi.Server.Tests.Energy;

/// <summary>
/// Costs end to end: tariffs created through /v1/tariffs, telemetry through the ingestor, costs read
/// through the statistics API with the real tariff pricing, in Europe/Zurich around the DST day of
/// 2026-03-29. The organization's tariff: 0.20 off-peak, 0.30 peak (07:00-20:00) and 0.40 a day until
/// 2026-03-29, then 0.10, 0.50 and 1.00 a day; one device has its own flat 1.00 without fees.
/// </summary>
public sealed class EnergyTariffCostTests(AppFixture fixture) : ServerTest(fixture)
{
    private static readonly TimeSpan Winter = TimeSpan.FromHours(1);
    private static readonly TimeSpan Summer = TimeSpan.FromHours(2);
    private const string Range = "from=2026-03-28T00:00:00%2B01:00&to=2026-03-30T00:00:00%2B02:00&timeZone=Europe/Zurich";

    private static DateTimeOffset Local(int day, int hour, int minute, TimeSpan offset) => new(2026, 3, day, hour, minute, 0, offset);

    private async Task<(HttpClient Client, DeviceResponse Metered, DeviceResponse Flat)> SetUpAsync()
    {
        var ingestor = App.Services.GetRequiredService<TelemetryIngestor>();
        var (_, client) = await App.CreateTenantAsync("devices:read", "devices:write", "tariffs:write");
        var metered = await SmartApiApplication.CreateDeviceAsync(client, tags: new() { ["room"] = "kitchen" });
        var flat = await SmartApiApplication.CreateDeviceAsync(client, tags: new() { ["room"] = "kitchen" });
        await Created(client, """
            {"name":"Home","currency":"CHF","appliesTo":{"organization":true},
             "periods":[{"from":"2026-01-01","to":"2026-03-29","pricePerKwh":0.20,
                         "bands":[{"name":"peak","from":"07:00","to":"20:00","pricePerKwh":0.30}],"fixedFees":{"perDay":0.40}},
                        {"from":"2026-03-29","pricePerKwh":0.10,
                         "bands":[{"name":"peak","from":"07:00","to":"20:00","pricePerKwh":0.50}],"fixedFees":{"perDay":1.00}}]}
            """);
        await Created(client, $$"""
            {"name":"Flat","currency":"CHF","appliesTo":{"deviceIds":["{{flat.Id}}"]},"periods":[{"from":"2026-01-01","pricePerKwh":1.00}]}
            """);
        // Saturday: 1 kWh at 06:30 (off-peak) and 1 kWh at 07:30 (peak), one daily bucket across the band boundary.
        // Sunday, 23 hours: 1 kWh at 01:30 (+01:00) and at 03:30 (+02:00), both off-peak, 2 kWh at 19:45, peak.
        await EnergyApiTests.IngestAllAsync(ingestor, metered.Id,
        [
            new TelemetrySample(Local(28, 0, 0, Winter), 100, EnergyWh: 0),
            new TelemetrySample(Local(28, 6, 30, Winter), 100, EnergyWh: 1000),
            new TelemetrySample(Local(28, 7, 30, Winter), 100, EnergyWh: 2000),
            new TelemetrySample(Local(29, 1, 30, Winter), 100, EnergyWh: 3000),
            new TelemetrySample(Local(29, 3, 30, Summer), 100, EnergyWh: 4000),
            new TelemetrySample(Local(29, 19, 45, Summer), 100, EnergyWh: 6000),
        ]);
        await EnergyApiTests.IngestAllAsync(ingestor, flat.Id,
            [new TelemetrySample(Local(28, 0, 0, Winter), 100, EnergyWh: 0), new TelemetrySample(Local(28, 12, 0, Winter), 100, EnergyWh: 1000)]);
        return (client, metered, flat);
    }

    private static async Task Created(HttpClient client, string json)
    {
        var response = await client.PostJsonAsync("/v1/tariffs", json);
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task A_device_costs_its_energy_at_the_band_and_period_in_force_plus_its_day_fees()
    {
        var (client, metered, flat) = await SetUpAsync();

        var days = await (await client.GetAsync($"/v1/devices/{metered.Id}/energy?{Range}", Ct)).ReadAsync(SmartApiJsonContext.Default.DeviceEnergyResponse);

        Assert.Equal(["2026-03-28T00:00:00+01:00", "2026-03-29T00:00:00+01:00"], days.Buckets.Select(b => b.LocalStart));
        Assert.Equal(23, (days.Buckets[1].End - days.Buckets[1].Start).TotalHours);
        Assert.Equal([2000.0, 4000], days.Buckets.Select(b => b.EnergyWh));
        // 0.20 + 0.30 + 0.40; 0.10 + 0.10 + 2 x 0.50 + 1.00 (a 23-hour day is one day fee).
        Assert.Equal("CHF", days.Currency);
        Assert.Equal(0.90, days.Buckets[0].Cost!.Value, 9);
        Assert.Equal(2.20, days.Buckets[1].Cost!.Value, 9);
        Assert.Equal(3.10, days.Cost!.Value, 9);

        // The ISO week of 2026-03-23 holds the validity change: five more days' fees at 0.40.
        var week = await (await client.GetAsync($"/v1/devices/{metered.Id}/energy?{Range}&interval=week", Ct)).ReadAsync(SmartApiJsonContext.Default.DeviceEnergyResponse);
        Assert.Equal(3.10 + (5 * 0.40), Assert.Single(week.Buckets).Cost!.Value, 9);

        // Hours: the band boundary at 07:00 splits the two Saturday kilowatt-hours; 02:00 on Sunday does not exist.
        var hours = await (await client.GetAsync($"/v1/devices/{metered.Id}/energy?{Range}&interval=hour", Ct)).ReadAsync(SmartApiJsonContext.Default.DeviceEnergyResponse);
        Assert.Equal(47, hours.Buckets.Count);
        Assert.DoesNotContain(hours.Buckets, b => b.LocalStart.StartsWith("2026-03-29T02:", StringComparison.Ordinal));
        Assert.Equal(0.20 + (0.40 / 24), hours.Buckets.Single(b => b.LocalStart == "2026-03-28T06:00:00+01:00").Cost!.Value, 9);
        Assert.Equal(0.30 + (0.40 / 24), hours.Buckets.Single(b => b.LocalStart == "2026-03-28T07:00:00+01:00").Cost!.Value, 9);
        Assert.Equal(1.00 + (1.00 / 23), hours.Buckets.Single(b => b.LocalStart == "2026-03-29T19:00:00+02:00").Cost!.Value, 9);
        Assert.Equal(3.10, hours.Cost!.Value, 9);

        var own = await (await client.GetAsync($"/v1/devices/{flat.Id}/energy?{Range}", Ct)).ReadAsync(SmartApiJsonContext.Default.DeviceEnergyResponse);
        Assert.Equal([1.00, 0], own.Buckets.Select(b => b.Cost!.Value));
    }

    [Fact]
    public async Task A_tag_group_sums_the_costs_of_devices_priced_by_different_tariffs()
    {
        var (client, _, _) = await SetUpAsync();

        var response = await (await client.GetAsync($"/v1/energy?{Range}&groupBy=tag:room", Ct)).ReadAsync(SmartApiJsonContext.Default.OrganizationEnergyResponse);

        var kitchen = Assert.Single(response.Data);
        Assert.Equal(("kitchen", 2, "CHF"), (kitchen.Key, kitchen.Devices, response.Currency));
        Assert.Equal([3000.0, 4000], kitchen.Buckets.Select(b => b.EnergyWh));
        Assert.Equal(0.90 + 1.00, kitchen.Buckets[0].Cost!.Value, 9);
        Assert.Equal(2.20, kitchen.Buckets[1].Cost!.Value, 9);
        Assert.Equal(4.10, kitchen.Cost!.Value, 9);
    }
}
