using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SmartApi.Contracts;
using SmartApi.Server.Measurements;
using SmartApi.Storage;

namespace SmartApi.Server.Tests.Measurements;

/// <summary>
/// Older versions refused only non-finite telemetry, so a database may hold huge values, and
/// infinities written by hand: no read of the device may fail because of them.
/// </summary>
public class StoredOutlierTests(AppFixture fixture) : ServerTest(fixture)
{
    private static readonly DateTimeOffset Hour = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Values_stored_outside_the_limits_fail_no_read_and_the_next_sample_starts_over()
    {
        var (_, client) = await App.CreateTenantAsync("devices:read", "devices:write");
        var device = await SmartApiApplication.CreateDeviceAsync(client);
        var store = App.Services.GetRequiredService<ISmartApiStore>();
        var latest = new Measurement(Hour.AddSeconds(3), 1.7e308, double.PositiveInfinity, -1e308, 1e300, double.PositiveInfinity);
        await store.WriteAsync(async tx =>
        {
            await tx.InsertMeasurementsAsync([
                new MeasurementRow(device.Id, new Measurement(Hour, 50, 230, 0.2, 30, 10), 0),
                new MeasurementRow(device.Id, new Measurement(Hour.AddSeconds(1), 1.7e308, 1e308, 1e308, 1e308, 1.7e308), 1.7e308),
                new MeasurementRow(device.Id, new Measurement(Hour.AddSeconds(2), -1.7e308, null, null, null, double.PositiveInfinity), double.PositiveInfinity),
                new MeasurementRow(device.Id, latest, 1.7e308)]);
            return await tx.SetEnergyStateAsync(device.Id, double.PositiveInfinity, 1.7e308, latest, null, null);
        }, Ct);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/devices", Ct)).StatusCode);
        var fetched = await (await client.GetAsync($"/v1/devices/{device.Id}", Ct)).ReadAsync(SmartApiJsonContext.Default.DeviceResponse);
        Assert.Null(fetched.Measurement); // no power or total worth showing
        Assert.Equal(HttpStatusCode.OK, (await client.PatchAsJsonAsync($"/v1/devices/{device.Id}", new { name = "renamed" }, Ct)).StatusCode);
        var raw = await (await client.GetAsync($"/v1/devices/{device.Id}/measurements?from=2026-11-20T10:00:00Z&to=2026-11-20T11:00:00Z", Ct))
            .ReadAsync(SmartApiJsonContext.Default.PageMeasurementPoint);
        Assert.Equal(new double?[] { 50, null, null, null }, raw.Data.Select(p => p.PowerW));
        Assert.Equal(new double?[] { 10, null, null, null }, raw.Data.Select(p => p.EnergyWh));
        Assert.Equal(new double?[] { 230, null, null, null }, raw.Data.Select(p => p.VoltageV));
        foreach (var interval in new[] { "1m", "1h", "1d" })
        {
            var response = await client.GetAsync($"/v1/devices/{device.Id}/measurements?from=2026-11-20T10:00:00Z&to=2026-11-20T11:00:00Z&interval={interval}", Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var bucket = Assert.Single(JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("data").EnumerateArray());
            Assert.Equal((50.0, 0.0, 1), (bucket.GetProperty("avgPowerW").GetDouble(), bucket.GetProperty("energyWh").GetDouble(), bucket.GetProperty("samples").GetInt32()));
        }

        // The next sample starts over from a finite total, and its counter reading is a new baseline.
        var ingestor = App.Services.GetRequiredService<TelemetryIngestor>();
        Assert.True(await ingestor.IngestAsync(device.Id, new TelemetrySample(Hour.AddSeconds(10), 60, EnergyWh: 5), Ct));
        Assert.True(await ingestor.IngestAsync(device.Id, new TelemetrySample(Hour.AddSeconds(20), 60, EnergyWh: 7), Ct));
        var after = await (await client.GetAsync($"/v1/devices/{device.Id}", Ct)).ReadAsync(SmartApiJsonContext.Default.DeviceResponse);
        Assert.Equal((60.0, 2.0), (after.Measurement!.PowerW, after.Measurement.EnergyWh));
    }
}
