using System.Net;
using Microsoft.Extensions.DependencyInjection;
using SmartApi.Contracts;
using SmartApi.Server.Measurements;
using SmartApi.Storage;

namespace SmartApi.Server.Tests.Measurements;

public sealed class MeasurementTests(AppFixture fixture) : ServerTest(fixture)
{
    private TelemetryIngestor Ingestor => App.Services.GetRequiredService<TelemetryIngestor>();

    // A fixed hour in the past, aligned to the hour, so buckets are predictable.
    private static readonly DateTimeOffset Hour = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Raw_points_and_latest_measurement()
    {
        var (_, client) = await App.CreateTenantAsync("devices:read", "devices:write");
        var device = await SmartApiApplication.CreateDeviceAsync(client);
        for (var i = 0; i < 5; i++)
        {
            Assert.True(await Ingestor.IngestAsync(device.Id, new TelemetrySample(Hour.AddSeconds(10 * i), 100 + i, 230.1, 0.5, 1000 + i, 31.2), Ct));
        }

        var page = await (await client.GetAsync($"/v1/devices/{device.Id}/measurements?from=2026-11-20T10:00:00Z&to=2026-11-20T11:00:00Z&limit=3", Ct))
            .ReadAsync(SmartApiJsonContext.Default.PageMeasurementPoint);
        Assert.Equal([100.0, 101, 102], page.Data.Select(p => p.PowerW!.Value));
        Assert.Equal(230.1, page.Data[0].VoltageV);
        Assert.Equal(0, page.Data[0].EnergyWh); // the first counter reading is the baseline
        Assert.Equal(2, page.Data[2].EnergyWh);
        Assert.True(page.HasMore);
        var rest = await (await client.GetAsync($"/v1/devices/{device.Id}/measurements?from=2026-11-20T10:00:00Z&to=2026-11-20T11:00:00Z&after={page.NextCursor}", Ct))
            .ReadAsync(SmartApiJsonContext.Default.PageMeasurementPoint);
        Assert.Equal([103.0, 104], rest.Data.Select(p => p.PowerW!.Value));
        Assert.False(rest.HasMore);

        var fetched = await (await client.GetAsync($"/v1/devices/{device.Id}", Ct)).ReadAsync(SmartApiJsonContext.Default.DeviceResponse);
        Assert.Equal(104, fetched.Measurement!.PowerW);
        Assert.Equal(4, fetched.Measurement.EnergyWh);
        Assert.Equal(Hour.AddSeconds(40), fetched.Measurement.Ts);
    }

    [Fact]
    public async Task Buckets_aggregate_power_and_energy_across_a_counter_reset()
    {
        var (_, client) = await App.CreateTenantAsync("devices:read", "devices:write", "events:read");
        var device = await SmartApiApplication.CreateDeviceAsync(client);
        // Minute 0: counter 500 -> 510 (10 Wh). Minute 1: device reboots, counter restarts at 3 then 8 (3 + 5 Wh).
        (int Second, double Power, double Counter)[] samples = [(0, 100, 500), (30, 200, 510), (60, 50, 3), (90, 150, 8)];
        foreach (var (offset, power, counter) in samples)
        {
            await Ingestor.IngestAsync(device.Id, new TelemetrySample(Hour.AddSeconds(offset), power, EnergyWh: counter), Ct);
        }

        var buckets = await (await client.GetAsync($"/v1/devices/{device.Id}/measurements?from=2026-11-20T10:00:30Z&to=2026-11-20T10:05:00Z&interval=1m", Ct))
            .ReadAsync(SmartApiJsonContext.Default.PageMeasurementPoint);
        Assert.Equal(2, buckets.Data.Count);
        var (first, second) = (buckets.Data[0], buckets.Data[1]);
        Assert.Equal(Hour, first.Ts); // aligned down to the bucket start
        Assert.Equal((150.0, 100.0, 200.0, 10.0, 2), (first.AvgPowerW!.Value, first.MinPowerW!.Value, first.MaxPowerW!.Value, first.EnergyWh!.Value, first.Samples!.Value));
        Assert.Equal((100.0, 50.0, 150.0, 8.0, 2), (second.AvgPowerW!.Value, second.MinPowerW!.Value, second.MaxPowerW!.Value, second.EnergyWh!.Value, second.Samples!.Value));

        var hour = await (await client.GetAsync($"/v1/devices/{device.Id}/measurements?from=2026-11-20T10:00:00Z&to=2026-11-20T11:00:00Z&interval=1h", Ct))
            .ReadAsync(SmartApiJsonContext.Default.PageMeasurementPoint);
        Assert.Equal(18.0, Assert.Single(hour.Data).EnergyWh);

        var resets = await (await client.GetAsync($"/v1/events?types=device.energy.counter_reset&deviceId={device.Id}", Ct))
            .ReadAsync(SmartApiJsonContext.Default.PageEventResponse);
        var reset = Assert.Single(resets.Data).Data;
        Assert.Equal((510.0, 3.0), (reset.GetProperty("previousWh").GetDouble(), reset.GetProperty("newWh").GetDouble()));

        var fetched = await (await client.GetAsync($"/v1/devices/{device.Id}", Ct)).ReadAsync(SmartApiJsonContext.Default.DeviceResponse);
        Assert.Equal(18.0, fetched.Measurement!.EnergyWh);
    }

    [Fact]
    public async Task Duplicate_samples_are_ignored_and_bad_samples_refused()
    {
        var device = await SmartApiApplication.CreateDeviceAsync(App.Admin);
        Assert.True(await Ingestor.IngestAsync(device.Id, new TelemetrySample(Hour, 10), Ct));
        Assert.False(await Ingestor.IngestAsync(device.Id, new TelemetrySample(Hour, 10), Ct));
        Assert.False(await Ingestor.IngestAsync("dev_01M8BQWSSN0C43SSNM7Z9ZPGRB", new TelemetrySample(Hour, 10), Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => Ingestor.IngestAsync(device.Id, new TelemetrySample(Hour.AddSeconds(1), double.NaN), Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => Ingestor.IngestAsync(device.Id, new TelemetrySample(DateTimeOffset.UtcNow.AddDays(1), 1), Ct));
    }

    [Fact]
    public async Task The_kept_energy_state_yields_to_another_writer_of_the_device()
    {
        var (_, client) = await App.CreateTenantAsync("devices:read", "devices:write");
        var device = await SmartApiApplication.CreateDeviceAsync(client);
        Assert.True(await Ingestor.IngestAsync(device.Id, new TelemetrySample(Hour, 10, EnergyWh: 100), Ct));
        Assert.True(await Ingestor.IngestAsync(device.Id, new TelemetrySample(Hour.AddSeconds(10), 10, EnergyWh: 110), Ct));
        // Another node ingests for the device meanwhile (it reconnected there): counter 200, total 500.
        var store = App.Services.GetRequiredService<ISmartApiStore>();
        var elsewhere = new Measurement(Hour.AddSeconds(20), 10, null, null, null, 500);
        await store.WriteAsync(async tx =>
        {
            await tx.InsertMeasurementsAsync([new MeasurementRow(device.Id, elsewhere, 490)]);
            return await tx.SetEnergyStateAsync(device.Id, 500, 200, elsewhere, Hour.AddSeconds(10), null);
        }, Ct);

        // This node's next sample is accounted from the stored state (200 -> 205), not its own (110).
        Assert.True(await Ingestor.IngestAsync(device.Id, new TelemetrySample(Hour.AddSeconds(30), 10, EnergyWh: 205), Ct));
        var fetched = await (await client.GetAsync($"/v1/devices/{device.Id}", Ct)).ReadAsync(SmartApiJsonContext.Default.DeviceResponse);
        Assert.Equal((Hour.AddSeconds(30), 505.0), (fetched.Measurement!.Ts, fetched.Measurement.EnergyWh));

        // A deleted device's kept state does not bring its samples back.
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/devices/{device.Id}", Ct)).StatusCode);
        Assert.False(await Ingestor.IngestAsync(device.Id, new TelemetrySample(Hour.AddSeconds(40), 10, EnergyWh: 210), Ct));
        Assert.Empty((await store.ListMeasurementsAsync(device.Id, Hour, Hour.AddHours(1), new PageRequest(null, 10), Ct)).Items);
    }

    [Theory]
    [InlineData("interval=2m", "interval")]
    [InlineData("from=yesterday", "from")]
    [InlineData("from=2026-11-20T10:00:00", "from")]
    [InlineData("from=2026-11-21T00:00:00Z&to=2026-11-20T00:00:00Z", "from")]
    [InlineData("from=2000-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&interval=1m", "interval")]
    [InlineData("limit=10001", "limit")]
    public async Task Bad_measurement_queries_are_400(string query, string field)
    {
        var device = await SmartApiApplication.CreateDeviceAsync(App.Admin);
        var problem = await (await App.Admin.GetAsync($"/v1/devices/{device.Id}/measurements?{query}", Ct)).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task Bad_measurement_cursor_is_400()
    {
        var device = await SmartApiApplication.CreateDeviceAsync(App.Admin);
        await (await App.Admin.GetAsync($"/v1/devices/{device.Id}/measurements?after=xyz", Ct)).ProblemAsync(HttpStatusCode.BadRequest, "invalid_cursor");
    }
}
