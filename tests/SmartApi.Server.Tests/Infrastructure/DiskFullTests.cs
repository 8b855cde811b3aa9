using System.Net;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using MQTTnet;
using SmartApi.Contracts;
using static SmartApi.Server.Tests.Mqtt.MqttTestKit;

namespace SmartApi.Server.Tests.Infrastructure;

/// <summary>
/// SQLite on a tmpfs of a few MB, filled to the last byte while the server runs: writes are refused
/// (503 + Retry-After, MQTT PUBACK 0x80) instead of failing with 500 or being acknowledged and
/// dropped, reads go on, and the server takes writes again by itself once space returns, with
/// everything acknowledged before still there.
/// </summary>
public sealed class DiskFullTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_full_disk_refuses_writes_serves_reads_and_recovers_without_losing_what_was_acknowledged()
    {
        await using var disk = await SmallDisk.MountAsync(megabytes: 8);
        var port = FreePort();
        await using var app = await StartAsync(port, dataDirectory: disk.Path);
        var client = app.Admin;

        // Before: acknowledged devices, telemetry and state reports.
        var (device, password) = await CreateDeviceAsync(client);
        await using var mqtt = await ConnectAsync(port, device.Serial, password);
        var start = DateTimeOffset.UtcNow.AddMinutes(-2);
        var sample = 0;
        var acknowledgedSamples = 0;
        for (; sample < 20; sample++)
        {
            Assert.True((await mqtt.TelemetryAsync(100 + sample, start.AddSeconds(sample), energyWh: 1000 + sample)).IsSuccess);
            acknowledgedSamples++;
        }
        var acknowledgedSwitches = 0;
        foreach (var state in new[] { "on", "off", "on" })
        {
            Assert.True((await mqtt.PublishAsync(DeviceTopics.State, $$"""{"switch":"{{state}}","source":"button"}""")).IsSuccess);
            acknowledgedSwitches++;
        }
        var devices = new List<string> { device.Id };
        var automation = await client.PostJsonAsync("/v1/automations", """
            {"name":"Log","trigger":{"events":["device.deleted"]},"actions":[{"type":"webhook","url":"http://127.0.0.1:9/hook"}]}
            """);
        Assert.Equal(HttpStatusCode.Created, automation.StatusCode);
        var automationId = JsonDocument.Parse(await automation.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("id").GetString();

        // Full: the log is cut back to nothing first, so that the next commit needs new blocks.
        await TruncateLogAsync(disk.Path);
        Assert.True(disk.Fill() > 0);
        // A commit may still fit in a block the log already had: write until one is refused.
        HttpResponseMessage first;
        var tries = 0;
        while ((first = await PostDeviceAsync(client)).StatusCode == HttpStatusCode.Created)
        {
            devices.Add(JsonDocument.Parse(await first.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("id").GetString()!);
            Assert.True(++tries < 50, "writes still succeed on a full disk");
        }
        await AssertRefusedAsync(first);
        await AssertRefusedAsync(await PostDeviceAsync(client));
        await AssertRefusedAsync(await client.PatchJsonAsync($"/v1/devices/{device.Id}", """{"name":"Renamed"}""").WaitAsync(Bound, Ct));
        await AssertRefusedAsync(await client.PostJsonAsync($"/v1/devices/{device.Id}/switch", """{"state":"off"}""").WaitAsync(Bound, Ct));
        await AssertRefusedAsync(await client.PostJsonAsync("/v1/automations", """
            {"name":"Later","trigger":{"events":["device.deleted"]},"actions":[{"type":"webhook","url":"http://127.0.0.1:9/hook"}]}
            """).WaitAsync(Bound, Ct));
        var telemetry = await mqtt.TelemetryAsync(500, start.AddSeconds(sample), energyWh: 1020).WaitAsync(Bound, Ct);
        Assert.Equal(MqttClientPublishReasonCode.UnspecifiedError, telemetry.ReasonCode);
        Assert.Equal("storage_unavailable", telemetry.ReasonString);
        var switched = await mqtt.PublishAsync(DeviceTopics.State, """{"switch":"off","source":"button"}""").WaitAsync(Bound, Ct);
        Assert.Equal(MqttClientPublishReasonCode.UnspecifiedError, switched.ReasonCode);

        // Reads still answer, and readiness says the node is degraded.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/devices", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/v1/devices/{device.Id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/v1/automations/{automationId}", Ct)).StatusCode);
        // Measurements too, though the samples still in the inbox (ADR 053) cannot be folded until space returns.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(MeasurementsUrl(device.Id, start), Ct)).StatusCode);
        var ready = await client.GetAsync("/health/ready", Ct);
        Assert.Equal((HttpStatusCode.OK, "Degraded"), (ready.StatusCode, await ready.Content.ReadAsStringAsync(Ct)));

        // Space back: writes succeed again within a bounded time, without a restart.
        disk.Free();
        var started = Environment.TickCount64;
        HttpResponseMessage again;
        while ((again = await PostDeviceAsync(client)).StatusCode != HttpStatusCode.Created)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, again.StatusCode);
            Assert.True(Environment.TickCount64 - started < Bound.TotalMilliseconds, "writes did not come back after the space did");
            await Task.Delay(50, Ct);
        }
        devices.Add(JsonDocument.Parse(await again.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("id").GetString()!);
        // A plausible step from the last stored counter (the telemetry limits refuse a jump of more than 100 kW could deliver).
        Assert.True((await mqtt.TelemetryAsync(600, start.AddSeconds(++sample), energyWh: 1021)).IsSuccess);
        acknowledgedSamples++;
        Assert.True((await mqtt.PublishAsync(DeviceTopics.State, """{"switch":"off","source":"button"}""")).IsSuccess);
        acknowledgedSwitches++;
        Assert.Equal(HttpStatusCode.OK, (await client.PatchJsonAsync($"/v1/devices/{device.Id}", """{"name":"Renamed"}""")).StatusCode);
        ready = await client.GetAsync("/health/ready", Ct);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync(Ct));

        // Everything acknowledged is there: devices, every sample, every switch.
        foreach (var id in devices)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/v1/devices/{id}", Ct)).StatusCode);
        }
        var points = await client.GetAsync(MeasurementsUrl(device.Id, start), Ct);
        var stored = JsonDocument.Parse(await points.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("data");
        Assert.Equal(acknowledgedSamples, stored.GetArrayLength());
        Assert.DoesNotContain(stored.EnumerateArray(), p => p.GetProperty("powerW").GetDouble() == 500);
        Assert.Equal(acknowledgedSwitches, (await EventsAsync(client, device.Id, "device.switched")).Count);
    }

    private static string MeasurementsUrl(string deviceId, DateTimeOffset start) =>
        $"/v1/devices/{deviceId}/measurements?from={start.AddSeconds(-1):O}&to={start.AddMinutes(5):O}&interval=raw&limit=1000".Replace("+", "%2B", StringComparison.Ordinal);

    private static Task<HttpResponseMessage> PostDeviceAsync(HttpClient client) =>
        client.PostJsonAsync("/v1/devices", $$"""{"serial":"DF-{{Guid.NewGuid():N}}","name":"Filler","model":"DT31"}""").WaitAsync(Bound, Ct);

    private static async Task AssertRefusedAsync(HttpResponseMessage response)
    {
        await response.ProblemAsync(HttpStatusCode.ServiceUnavailable, "storage_unavailable");
        Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
    }

    private static async Task TruncateLogAsync(string directory)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(directory, "smartapi.db")};Pooling=false");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA busy_timeout = 5000; PRAGMA wal_checkpoint(TRUNCATE);";
        await command.ExecuteNonQueryAsync(Ct);
    }
}
