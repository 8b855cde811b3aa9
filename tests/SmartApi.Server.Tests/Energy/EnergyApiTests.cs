using System.Net;
using Microsoft.Extensions.DependencyInjection;
using SmartApi.Contracts;
using SmartApi.Server.Energy;
using SmartApi.Server.Measurements;
using SmartApi.Storage;

namespace SmartApi.Server.Tests.Energy;

/// <summary>The statistics API over HTTP, with samples ingested by the real ingestor into SQLite.</summary>
public sealed class EnergyApiTests(AppFixture fixture) : ServerTest(fixture)
{
    private static readonly DateTimeOffset SpringDay = new(2026, 3, 28, 23, 0, 0, TimeSpan.Zero); // 29 March 2026, 00:00 in Zurich
    private static readonly DateTimeOffset AutumnDay = new(2026, 10, 24, 22, 0, 0, TimeSpan.Zero); // 25 October 2026, 00:00 in Zurich

    private TelemetryIngestor Ingestor => App.Services.GetRequiredService<TelemetryIngestor>();

    /// <summary>Queues every sample in order (so they are batched as a gateway's would be), then waits for all.</summary>
    internal static async Task IngestAllAsync(TelemetryIngestor ingestor, string deviceId, IEnumerable<TelemetrySample> samples)
    {
        var pending = samples.Select(s => ingestor.IngestAsync(deviceId, s, TestContext.Current.CancellationToken)).ToList();
        await Task.WhenAll(pending);
    }

    /// <summary>A sample a minute at 60 W, the counter rising 1 Wh a minute, from an hour before to an hour after.</summary>
    private static IEnumerable<TelemetrySample> EveryMinute(DateTimeOffset from, DateTimeOffset to)
    {
        var counter = 1000.0;
        for (var ts = from.AddHours(-1); ts < to.AddHours(1); ts = ts.AddMinutes(1))
        {
            yield return new TelemetrySample(ts, 60, EnergyWh: counter++);
        }
    }

    [Theory]
    [InlineData("2026-03-29T00:00:00%2B01:00", "2026-03-30T00:00:00%2B02:00", 23, "2026-03-29T00:00:00+01:00")]
    [InlineData("2026-10-25T00:00:00%2B02:00", "2026-10-26T00:00:00%2B01:00", 25, "2026-10-25T00:00:00+02:00")]
    public async Task Zurich_daylight_saving_days_of_2026_are_one_bucket_of_23_and_25_hours(string from, string to, int hours, string localStart)
    {
        var (_, client) = await App.CreateTenantAsync("devices:read", "devices:write");
        var device = await SmartApiApplication.CreateDeviceAsync(client);
        var start = hours == 23 ? SpringDay : AutumnDay;
        await IngestAllAsync(Ingestor, device.Id, EveryMinute(start, start.AddHours(hours)));

        var day = await (await client.GetAsync($"/v1/devices/{device.Id}/energy?from={from}&to={to}&interval=day&timeZone=Europe/Zurich", Ct))
            .ReadAsync(SmartApiJsonContext.Default.DeviceEnergyResponse);

        Assert.Equal(("Europe/Zurich", "day", (string?)null, (double?)null), (day.TimeZone, day.Interval, day.Currency, day.Cost));
        var bucket = Assert.Single(day.Buckets);
        Assert.Equal((start, start.AddHours(hours), localStart), (bucket.Start, bucket.End, bucket.LocalStart));
        // One Wh a minute: 1380 in the 23-hour day, 1500 in the 25-hour one; every minute covered at 60 W.
        Assert.Equal(hours * 60.0, bucket.EnergyWh, 9);
        Assert.Equal(hours * 60, bucket.Samples);
        Assert.Equal(60.0, bucket.AvgPowerW!.Value, 9);
        Assert.Equal(60.0, bucket.PeakPowerW);
        Assert.Equal(hours, bucket.OnHours, 9);
        Assert.Equal((1.0, true, (double?)null), (bucket.Coverage, bucket.Complete, bucket.Cost));
        Assert.Equal(hours * 60.0, day.EnergyWh, 9);

        var hourly = await (await client.GetAsync($"/v1/devices/{device.Id}/energy?from={from}&to={to}&interval=hour&timeZone=Europe/Zurich", Ct))
            .ReadAsync(SmartApiJsonContext.Default.DeviceEnergyResponse);
        Assert.Equal(hours, hourly.Buckets.Count);
        Assert.All(hourly.Buckets, h => Assert.Equal((60.0, 60, true), (Math.Round(h.EnergyWh, 9), h.Samples, h.Complete)));
        var localHours = hourly.Buckets.Select(h => h.LocalStart[11..]).ToList();
        if (hours == 23)
        {
            Assert.Equal(["01:00:00+01:00", "03:00:00+02:00"], localHours.Skip(1).Take(2));
        }
        else
        {
            Assert.Equal(["02:00:00+02:00", "02:00:00+01:00"], localHours.Skip(2).Take(2));
        }
    }

    [Fact]
    public async Task Gaps_make_buckets_incomplete_with_their_coverage_and_in_progress_buckets_are_incomplete()
    {
        var (_, client) = await App.CreateTenantAsync("devices:read", "devices:write");
        var device = await SmartApiApplication.CreateDeviceAsync(client);
        var hour = new DateTimeOffset(2026, 6, 10, 8, 0, 0, TimeSpan.Zero);
        // 08:00-09:00 every minute; 09:00-10:00 only the first half hour (a 30-minute gap, 5 minutes of it covered); then silence.
        var samples = Enumerable.Range(0, 61).Select(m => new TelemetrySample(hour.AddMinutes(m), 120))
            .Concat(Enumerable.Range(1, 29).Select(m => new TelemetrySample(hour.AddHours(1).AddMinutes(m), 0)))
            .Append(new TelemetrySample(hour.AddMinutes(110), 0));
        await IngestAllAsync(Ingestor, device.Id, samples);

        var result = await (await client.GetAsync($"/v1/devices/{device.Id}/energy?from=2026-06-10T08:00:00Z&to=2026-06-10T11:00:00Z&interval=hour&timeZone=UTC", Ct))
            .ReadAsync(SmartApiJsonContext.Default.DeviceEnergyResponse);

        Assert.Equal(3, result.Buckets.Count);
        var (first, second, third) = (result.Buckets[0], result.Buckets[1], result.Buckets[2]);
        // 08:00's own sample covers nothing (the first sample), so 59 minutes are covered: within the 5-minute allowance.
        Assert.True(first.Complete);
        Assert.Equal(59.0 / 60, first.Coverage, 9);
        Assert.Equal(120.0 * 59 / 60, first.EnergyWh, 9); // integrated power: 120 W over 59 covered minutes
        Assert.Equal(59.0 / 60, first.OnHours, 9);
        // 09:00 (covering 08:59-09:00) to 09:29 is 30 minutes, the first two at 120 W; 09:50 covers 5 of the 21-minute gap.
        Assert.False(second.Complete);
        Assert.Equal(35.0 / 60, second.Coverage, 9);
        Assert.Equal(2.0 / 60, second.OnHours, 9);
        Assert.Equal(31, second.Samples);
        Assert.Equal((0, (double?)null, (double?)null, 0.0, false), (third.Samples, third.AvgPowerW, third.PeakPowerW, third.Coverage, third.Complete));

        var now = App.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        var today = await (await client.GetAsync($"/v1/devices/{device.Id}/energy?interval=day&timeZone=UTC", Ct))
            .ReadAsync(SmartApiJsonContext.Default.DeviceEnergyResponse);
        Assert.Equal(31, today.Buckets.Count); // the default range: 30 local days before today's, and today
        Assert.True(today.Buckets[^1].Start <= now && now < today.Buckets[^1].End);
        Assert.False(today.Buckets[^1].Complete);
    }

    [Fact]
    public async Task The_organization_total_groups_by_device_or_by_tag_value_with_the_untagged_group_null()
    {
        var (_, client) = await App.CreateTenantAsync("devices:read", "devices:write");
        var kitchen1 = await SmartApiApplication.CreateDeviceAsync(client, tags: new() { ["room"] = "kitchen" });
        var kitchen2 = await SmartApiApplication.CreateDeviceAsync(client, tags: new() { ["room"] = "kitchen", ["floor"] = "1" });
        var office = await SmartApiApplication.CreateDeviceAsync(client, tags: new() { ["room"] = "office", ["floor"] = "1" });
        var loose = await SmartApiApplication.CreateDeviceAsync(client);
        var t = new DateTimeOffset(2026, 7, 1, 10, 0, 0, TimeSpan.Zero);
        var energy = new Dictionary<string, double> { [kitchen1.Id] = 10, [kitchen2.Id] = 20, [office.Id] = 40, [loose.Id] = 80 };
        foreach (var (id, wh) in energy)
        {
            await IngestAllAsync(Ingestor, id, [new TelemetrySample(t, 100, EnergyWh: 500), new TelemetrySample(t.AddMinutes(1), 100 + wh, EnergyWh: 500 + wh)]);
        }
        const string Range = "from=2026-07-01T00:00:00Z&to=2026-07-03T00:00:00Z&interval=day&timeZone=Asia/Kathmandu";

        var byTag = await (await client.GetAsync($"/v1/energy?{Range}&groupBy=tag:room", Ct)).ReadAsync(SmartApiJsonContext.Default.OrganizationEnergyResponse);
        Assert.Equal(("tag:room", "Asia/Kathmandu", false), (byTag.GroupBy, byTag.TimeZone, byTag.HasMore));
        Assert.Equal(["kitchen", "office", null], byTag.Data.Select(g => g.Key));
        Assert.Equal([30.0, 40, 80], byTag.Data.Select(g => g.EnergyWh));
        Assert.Equal([2, 1, 1], byTag.Data.Select(g => g.Devices));
        var kitchen = byTag.Data[0];
        Assert.Equal(3, kitchen.Buckets.Count); // Kathmandu days start at 18:15 UTC: 1, 2 and 3 July (05:45 local on the 3rd)
        Assert.Equal(("2026-07-01T00:00:00+05:45", new DateTimeOffset(2026, 6, 30, 18, 15, 0, TimeSpan.Zero)), (kitchen.Buckets[0].LocalStart, kitchen.Buckets[0].Start));
        Assert.Equal((30.0, 4, 120.0), (kitchen.Buckets[0].EnergyWh, kitchen.Buckets[0].Samples, kitchen.Buckets[0].PeakPowerW!.Value));

        var byDevice = await (await client.GetAsync($"/v1/energy?{Range}&limit=3", Ct)).ReadAsync(SmartApiJsonContext.Default.OrganizationEnergyResponse);
        var ids = energy.Keys.Order(StringComparer.Ordinal).ToList();
        Assert.Equal(ids.Take(3), byDevice.Data.Select(g => g.Key));
        Assert.True(byDevice.HasMore);
        var rest = await (await client.GetAsync($"/v1/energy?{Range}&limit=3&after={byDevice.NextCursor}", Ct)).ReadAsync(SmartApiJsonContext.Default.OrganizationEnergyResponse);
        Assert.Equal([ids[3]], rest.Data.Select(g => g.Key));
        Assert.Equal(energy[ids[3]], rest.Data[0].EnergyWh);

        var filtered = await (await client.GetAsync($"/v1/energy?{Range}&groupBy=tag:room&tag=floor:1", Ct)).ReadAsync(SmartApiJsonContext.Default.OrganizationEnergyResponse);
        Assert.Equal([("kitchen", 20.0), ("office", 40.0)], filtered.Data.Select(g => (g.Key, g.EnergyWh)));
        var chosen = await (await client.GetAsync($"/v1/energy?{Range}&groupBy=tag:floor&deviceId={loose.Id}&deviceId={kitchen1.Id}", Ct))
            .ReadAsync(SmartApiJsonContext.Default.OrganizationEnergyResponse);
        Assert.Equal([((string?)null, 90.0, 2)], chosen.Data.Select(g => (g.Key, g.EnergyWh, g.Devices)));

        // Another organization sees none of it.
        var (_, stranger) = await App.CreateTenantAsync("devices:read");
        var none = await (await stranger.GetAsync($"/v1/energy?{Range}&groupBy=tag:room", Ct)).ReadAsync(SmartApiJsonContext.Default.OrganizationEnergyResponse);
        Assert.Empty(none.Data);
        await (await stranger.GetAsync($"/v1/devices/{loose.Id}/energy?{Range}", Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await stranger.GetAsync($"/v1/energy?{Range}&deviceId={loose.Id}", Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task The_organization_time_zone_is_the_default_and_timeZone_overrides_it()
    {
        var (organizationId, client) = await App.CreateTenantAsync("devices:read", "devices:write");
        var device = await SmartApiApplication.CreateDeviceAsync(client);
        (await App.Admin.PatchJsonAsync($"/v1/organizations/{organizationId}", """{"timeZone":"Asia/Kathmandu"}""")).EnsureSuccessStatusCode();
        const string Range = "from=2026-01-10T00:00:00Z&to=2026-01-11T00:00:00Z";

        var own = await (await client.GetAsync($"/v1/devices/{device.Id}/energy?{Range}", Ct)).ReadAsync(SmartApiJsonContext.Default.DeviceEnergyResponse);
        Assert.Equal("Asia/Kathmandu", own.TimeZone);
        Assert.Equal(["2026-01-10T00:00:00+05:45", "2026-01-11T00:00:00+05:45"], own.Buckets.Select(b => b.LocalStart));
        var overridden = await (await client.GetAsync($"/v1/energy?{Range}&timeZone=America/New_York", Ct)).ReadAsync(SmartApiJsonContext.Default.OrganizationEnergyResponse);
        Assert.Equal("America/New_York", overridden.TimeZone);
        Assert.Equal("2026-01-09T00:00:00-05:00", Assert.Single(overridden.Data).Buckets[0].LocalStart);
    }

    [Theory]
    [InlineData("interval=minute", "interval")]
    [InlineData("timeZone=Mars/Olympus", "timeZone")]
    [InlineData("from=yesterday", "from")]
    [InlineData("from=2026-07-02T00:00:00Z&to=2026-07-01T00:00:00Z", "from")]
    [InlineData("from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&interval=hour", "interval")]
    [InlineData("from=2000-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&interval=month", "from")]
    public async Task Bad_queries_are_400_with_the_field(string query, string field)
    {
        var device = await SmartApiApplication.CreateDeviceAsync(App.Admin);
        foreach (var url in new[] { $"/v1/devices/{device.Id}/energy?{query}", $"/v1/energy?{query}" })
        {
            var problem = await (await App.Admin.GetAsync(url, Ct)).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{url}: {problem}");
        }
    }

    [Theory]
    [InlineData("groupBy=room")]
    [InlineData("groupBy=tag:")]
    [InlineData("tag=:x")]
    [InlineData("limit=0")]
    public async Task Bad_organization_queries_are_400(string query) =>
        Assert.Equal(HttpStatusCode.BadRequest, (await App.Admin.GetAsync($"/v1/energy?{query}", Ct)).StatusCode);

    [Fact]
    public async Task Unknown_device_is_404_and_the_scope_is_devices_read()
    {
        await (await App.Admin.GetAsync("/v1/devices/dev_00000000000000000000000000/energy", Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        var (_, writer) = await App.CreateTenantAsync("automations:read");
        Assert.Equal(HttpStatusCode.Forbidden, (await writer.GetAsync("/v1/energy", Ct)).StatusCode);
    }
}

/// <summary>Cost through the pricing seam (price timelines); a group sums one currency, mixed currencies give null.</summary>
public sealed class EnergyCostTests : IAsyncLifetime
{
    private SmartApiApplication? _app;
    private SmartApiApplication App => _app!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() =>
        _app = await SmartApiApplication.StartAsync(configure: builder => builder.Services.AddSingleton<IEnergyPriceTimelines, FlatPricing>());

    public async ValueTask DisposeAsync() => await App.DisposeAsync();

    /// <summary>0.25 per kWh in the device's <c>currency</c> tag (CHF without one); no tariff for devices tagged <c>tariff:none</c>.</summary>
    private sealed class FlatPricing : IEnergyPriceTimelines
    {
        public ValueTask<DevicePrices> TimelinesAsync(
            string organizationId, IReadOnlyList<Device> devices, TimeZoneInfo zone, IReadOnlyList<LocalBucket> buckets, CancellationToken cancellationToken)
        {
            var currencies = devices.Select(d => d.Tags.GetValueOrDefault("currency") ?? "CHF").Distinct().ToList();
            var timelines = currencies.Select(c => new PriceTimeline(c, [new PriceChange(buckets[0].Start, 0.25)], new double[buckets.Count])).ToList();
            var of = devices.Select(d => d.Tags.GetValueOrDefault("tariff") == "none" ? -1 : currencies.IndexOf(d.Tags.GetValueOrDefault("currency") ?? "CHF")).ToList();
            return ValueTask.FromResult(new DevicePrices(timelines, of));
        }
    }

    [Fact]
    public async Task Costs_come_from_the_pricing_and_sum_per_group_in_one_currency()
    {
        var ingestor = App.Services.GetRequiredService<TelemetryIngestor>();
        var (_, client) = await App.CreateTenantAsync("devices:read", "devices:write");
        var a = await SmartApiApplication.CreateDeviceAsync(client, tags: new() { ["room"] = "a" });
        var b = await SmartApiApplication.CreateDeviceAsync(client, tags: new() { ["room"] = "a" });
        var free = await SmartApiApplication.CreateDeviceAsync(client, tags: new() { ["room"] = "a", ["tariff"] = "none" });
        var t = new DateTimeOffset(2026, 7, 1, 10, 0, 0, TimeSpan.Zero);
        foreach (var (device, wh) in new[] { (a, 2000.0), (b, 1000.0), (free, 4000.0) })
        {
            await EnergyApiTests.IngestAllAsync(ingestor, device.Id,
                [new TelemetrySample(t, 100, EnergyWh: 0), new TelemetrySample(t.AddHours(1), 100, EnergyWh: wh)]);
        }
        const string Range = "from=2026-07-01T00:00:00Z&to=2026-07-02T00:00:00Z&timeZone=UTC";

        var one = await (await client.GetAsync($"/v1/devices/{a.Id}/energy?{Range}", Ct)).ReadAsync(SmartApiJsonContext.Default.DeviceEnergyResponse);
        Assert.Equal(("CHF", 0.5), (one.Currency, one.Cost!.Value));
        Assert.Equal(0.5, Assert.Single(one.Buckets).Cost!.Value, 9);
        var unpriced = await (await client.GetAsync($"/v1/devices/{free.Id}/energy?{Range}", Ct)).ReadAsync(SmartApiJsonContext.Default.DeviceEnergyResponse);
        Assert.Equal(((string?)null, (double?)null, (double?)null), (unpriced.Currency, unpriced.Cost, unpriced.Buckets[0].Cost));

        var group = await (await client.GetAsync($"/v1/energy?{Range}&groupBy=tag:room", Ct)).ReadAsync(SmartApiJsonContext.Default.OrganizationEnergyResponse);
        Assert.Equal("CHF", group.Currency);
        var room = Assert.Single(group.Data);
        Assert.Equal((7000.0, 0.75), (room.EnergyWh, room.Cost!.Value)); // the unpriced device adds energy, no cost

        var euro = await SmartApiApplication.CreateDeviceAsync(client, tags: new() { ["room"] = "a", ["currency"] = "EUR" });
        await EnergyApiTests.IngestAllAsync(ingestor, euro.Id, [new TelemetrySample(t, 100, EnergyWh: 0), new TelemetrySample(t.AddHours(1), 100, EnergyWh: 1000)]);
        var mixed = await (await client.GetAsync($"/v1/energy?{Range}&groupBy=tag:room", Ct)).ReadAsync(SmartApiJsonContext.Default.OrganizationEnergyResponse);
        Assert.Null(mixed.Currency);
        Assert.Null(Assert.Single(mixed.Data).Cost);
        Assert.All(mixed.Data[0].Buckets, bucket => Assert.Null(bucket.Cost));
    }
}
