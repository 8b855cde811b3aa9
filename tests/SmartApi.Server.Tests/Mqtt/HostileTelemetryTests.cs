using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MQTTnet;
using SmartApi.Contracts;
using static SmartApi.Server.Tests.Mqtt.MqttTestKit;

namespace SmartApi.Server.Tests.Mqtt;

/// <summary>
/// A device that sends huge but finite numbers must not break reads of its organization: out-of-range
/// values are refused like malformed payloads, and every read of the device still answers 200.
/// </summary>
public sealed class HostileTelemetryTests(MqttFixture fixture) : IClassFixture<MqttFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Huge_energy_counters_alternating_with_resets_are_refused_and_the_device_stays_readable()
    {
        var (_, client) = await fixture.App.CreateTenantAsync("devices:read", "devices:write");
        var (created, password) = await CreateDeviceAsync(client);
        await using var device = await ConnectAsync(fixture.Port, created.Serial, password);
        var start = Minute(DateTimeOffset.UtcNow.AddMinutes(-10));

        var results = new List<MqttClientPublishResult>();
        for (var i = 0; i < 20; i++)
        {
            // 1 Wh, then about double.MaxValue: each drop back to 1 used to count as a counter reset.
            var energy = i % 2 == 0 ? "1" : "1.7e308";
            results.Add(await device.PublishAsync(DeviceTopics.Telemetry, $$"""{"ts":"{{Ts(start.AddSeconds(i))}}","powerW":100,"energyWh":{{energy}}}"""));
        }

        Assert.All(results.Where((_, i) => i % 2 == 0), r => Assert.True(r.IsSuccess, r.ReasonCode.ToString()));
        Assert.All(results.Where((_, i) => i % 2 == 1), r => Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, r.ReasonCode));
        await AssertReadableAsync(client, created.Id, start);
    }

    [Fact]
    public async Task Huge_positive_and_negative_power_is_refused_and_the_aggregates_answer()
    {
        var (_, client) = await fixture.App.CreateTenantAsync("devices:read", "devices:write");
        var (created, password) = await CreateDeviceAsync(client);
        await using var device = await ConnectAsync(fixture.Port, created.Serial, password);
        var start = Minute(DateTimeOffset.UtcNow.AddMinutes(-10));

        string[] hostile =
        [
            "\"powerW\":1.7e308", "\"powerW\":-1.7e308", "\"powerW\":\"1e300\"", "\"powerW\":100001", "\"powerW\":-100001",
            "\"powerW\":1,\"voltageV\":501", "\"powerW\":1,\"voltageV\":-1", "\"powerW\":1,\"currentA\":1e308", "\"powerW\":1,\"currentA\":-101",
            "\"powerW\":1,\"temperatureC\":151", "\"powerW\":1,\"temperatureC\":-51", "\"powerW\":1,\"energyWh\":1e13", "\"powerW\":1,\"energyWh\":-1",
        ];
        var refused = new List<MqttClientPublishResult>();
        var second = 0;
        foreach (var fields in hostile)
        {
            Assert.True((await device.PublishAsync(DeviceTopics.Telemetry, $$"""{"ts":"{{Ts(start.AddSeconds(second++))}}","powerW":50}""")).IsSuccess);
            refused.Add(await device.PublishAsync(DeviceTopics.Telemetry, $$"""{"ts":"{{Ts(start.AddSeconds(second++))}}",{{fields}}}"""));
        }
        var overload = await device.PublishAsync(DeviceTopics.Events, """{"type":"overload","kind":"overpower","value":1e308,"limit":3680}""");

        Assert.All(refused, r => Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, r.ReasonCode));
        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, overload.ReasonCode);
        var buckets = await AssertReadableAsync(client, created.Id, start);
        Assert.All(buckets, b => Assert.Equal(50, b.GetProperty("maxPowerW").GetDouble()));
        Assert.All(buckets, b => Assert.Equal(50, b.GetProperty("minPowerW").GetDouble()));
    }

    /// <summary>The device list, the device, a PATCH and the 1m/1h/1d buckets all answer 200 with finite numbers.</summary>
    private static async Task<List<JsonElement>> AssertReadableAsync(HttpClient client, string deviceId, DateTimeOffset start)
    {
        var list = await client.GetAsync("/v1/devices", Ct);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        var one = await client.GetAsync($"/v1/devices/{deviceId}", Ct);
        Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        var device = JsonDocument.Parse(await one.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.InRange(device.GetProperty("measurement").GetProperty("energyWh").GetDouble(), 0, 1e12);
        var patch = await client.PatchAsJsonAsync($"/v1/devices/{deviceId}", new { name = "still here" }, Ct);
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);

        var buckets = new List<JsonElement>();
        foreach (var interval in new[] { "1m", "1h", "1d" })
        {
            var response = await client.GetAsync(
                $"/v1/devices/{deviceId}/measurements?from={Ts(start.AddHours(-1))}&to={Ts(start.AddHours(1))}&interval={interval}", Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var data = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("data");
            Assert.NotEqual(0, data.GetArrayLength());
            foreach (var bucket in data.EnumerateArray())
            {
                Assert.InRange(bucket.GetProperty("avgPowerW").GetDouble(), -100_000, 100_000);
                Assert.InRange(bucket.GetProperty("energyWh").GetDouble(), 0, 1e12);
                buckets.Add(bucket.Clone());
            }
        }
        return buckets;
    }

    private static DateTimeOffset Minute(DateTimeOffset at) => new(at.Year, at.Month, at.Day, at.Hour, at.Minute, 0, TimeSpan.Zero);

    private static string Ts(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
