using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Data.Sqlite;
using MQTTnet;
using SmartApi.Contracts;
using SmartApi.Server.Tests.Mqtt;
using SmartApi.Server.Tests.Webhooks;
using SmartApi.Webhooks;

namespace SmartApi.Server.Tests.Infrastructure;

/// <summary>
/// kill -9 in a loop: a real server process on SQLite under a steady mixed load (API writes, MQTT
/// telemetry, button presses and state from real MQTT clients, deliveries to a real receiver),
/// killed at random moments and started again on the same data directory.
/// </summary>
public sealed class KillLoopTests
{
    private const int Kills = 20;
    private const int Devices = 3;
    private const int ApiWriters = 2;
    /// <summary>Load time after the server is ready and before the kill, in milliseconds.</summary>
    private const int MinRun = 400, MaxRun = 1400;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Twenty_kill_9s_under_mixed_load_lose_no_acknowledged_event_and_leave_the_database_intact()
    {
        // Set SMARTAPI_KILL_SEED to replay a run's kill times.
        var seed = int.TryParse(Environment.GetEnvironmentVariable("SMARTAPI_KILL_SEED"), CultureInfo.InvariantCulture, out var given) ? given : Random.Shared.Next();
        var random = new Random(seed);
        TestContext.Current.SendDiagnosticMessage($"kill loop seed {seed} (SMARTAPI_KILL_SEED={seed} replays it)");
        TestContext.Current.TestOutputHelper?.WriteLine($"seed {seed}");

        var directory = Directory.CreateTempSubdirectory("smartapi-kill-loop-").FullName;
        var clock = Stopwatch.StartNew();
        var received = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = (_, context) =>
        {
            received.AddOrUpdate(context.Request.Headers[WebhookHeaders.EventId].ToString(), 1, (_, n) => n + 1);
            context.Response.StatusCode = 200;
            return Task.CompletedTask;
        };
        var acknowledged = new Acknowledged();
        var cycles = new List<(TimeSpan Start, TimeSpan Run)>();
        // Telemetry in the past, 50 ms apart, so that thousands of samples never reach the future limit.
        var sampleBase = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds());
        try
        {
            var devices = new List<(string Id, string Serial, string Password)>();
            for (var kill = 1; kill <= Kills; kill++)
            {
                var port = MqttTestKit.FreePort();
                var startedAt = clock.Elapsed;
                await using var server = await ServerProcess.StartAsync(directory, Settings(port));
                var readyAt = clock.Elapsed;
                using var client = server.CreateAdminClient();
                client.Timeout = TimeSpan.FromSeconds(10);
                if (kill == 1)
                {
                    await WebhookTestKit.CreateAutomationAsync(client, receiver.Url);
                    for (var i = 0; i < Devices; i++)
                    {
                        var device = await SmartApiApplication.CreateDeviceAsync(client, $"KILL-{i}");
                        devices.Add((device.Id, device.Serial, device.Credentials!.MqttPassword));
                    }
                }

                // The devices connect before the clock runs, so that every cycle has MQTT load when the kill lands.
                var connected = await Task.WhenAll(devices.Select(d => MqttTestKit.ConnectAsync(port, d.Serial, d.Password, subscribe: false)));
                using var stop = new CancellationTokenSource();
                var load = Enumerable.Range(0, ApiWriters).Select(w => ApiLoadAsync(client, kill, w, acknowledged, stop.Token))
                    .Concat(connected.Select((device, i) => DeviceLoadAsync(device, i, sampleBase, acknowledged, stop.Token)))
                    .ToList();
                var run = TimeSpan.FromMilliseconds(random.Next(MinRun, MaxRun));
                await Task.Delay(run, Ct);
                // Stop first, so that the loops take what the kill does to them as the kill; what is
                // in flight stays in flight (the loops only look between two requests or messages).
                await stop.CancelAsync();
                await server.KillAsync();
                await Task.WhenAll(load);
                cycles.Add((readyAt - startedAt, run));
                TestContext.Current.TestOutputHelper?.WriteLine($"kill {kill}: ready {(readyAt - startedAt).TotalSeconds:N1} s after start, killed {run.TotalMilliseconds:N0} ms later");
            }

            await using var last = await ServerProcess.StartAsync(directory, Settings(MqttTestKit.FreePort()));
            using var admin = last.CreateAdminClient();
            var log = await AllEventsAsync(admin);
            var created = log.Where(e => e.Type == "device.created").Select(e => e.Data.GetProperty("deviceId").GetString()!).ToHashSet(StringComparer.Ordinal);

            // Every acknowledged API write is in the log.
            Assert.All(acknowledged.Devices, id => Assert.Contains(id, created));
            // Every PUBACKed button press is in the log (a press stored just before a kill, not yet acknowledged, may be there too).
            var pressesLogged = new int[Devices];
            for (var i = 0; i < Devices; i++)
            {
                pressesLogged[i] = log.Count(e => e.Type == "device.button_pressed" && e.Data.GetProperty("deviceId").GetString() == devices[i].Id);
                Assert.True(pressesLogged[i] >= acknowledged.Presses[i], $"device {i}: {acknowledged.Presses[i]} presses acknowledged, {pressesLogged[i]} in the log");
            }
            // Every PUBACKed telemetry sample is stored.
            var samplesMissing = 0;
            for (var i = 0; i < Devices; i++)
            {
                var stored = await SampleTimesAsync(admin, devices[i].Id, sampleBase);
                samplesMissing += acknowledged.Samples[i].Count(ts => !stored.Contains(ts));
            }
            Assert.Equal(0, samplesMissing);

            // Every event in the log reaches the receiver at least once.
            var deadline = clock.Elapsed + TimeSpan.FromSeconds(40);
            while (log.Any(e => !received.ContainsKey(e.Id)))
            {
                Assert.True(clock.Elapsed < deadline, $"{log.Count(e => !received.ContainsKey(e.Id))} of {log.Count} logged events not delivered 40 s after the last restart");
                await Task.Delay(100, Ct);
            }
            var deliveredAt = clock.Elapsed;
            await last.KillAsync();

            // The file survived 21 kills: SQLite's own check finds nothing wrong.
            SqliteConnection.ClearAllPools();
            await using (var connection = new SqliteConnection($"Data Source={Path.Combine(directory, "smartapi.db")}"))
            {
                await connection.OpenAsync(Ct);
                await using var check = connection.CreateCommand();
                check.CommandText = "PRAGMA integrity_check";
                Assert.Equal("ok", (string?)await check.ExecuteScalarAsync(Ct));
            }

            var report = $"seed {seed}: {Kills} kill -9s (+1 at the end), cycles of {Average(cycles.Select(c => c.Start + c.Run)).TotalSeconds:N1} s on average " +
                $"(start to ready {Average(cycles.Select(c => c.Start)).TotalSeconds:N1} s avg, {cycles.Max(c => c.Start).TotalSeconds:N1} s max; load {MinRun}-{MaxRun} ms before each kill); " +
                $"acknowledged: {acknowledged.Devices.Count} API writes, {acknowledged.Presses.Sum()} button presses (logged {pressesLogged.Sum()}), " +
                $"{acknowledged.Samples.Sum(s => s.Count)} telemetry samples (all stored), {acknowledged.States} state reports; " +
                $"{log.Count} events in the log, all delivered ({received.Values.Sum() - received.Count} duplicate receipts) by {deliveredAt.TotalSeconds:N1} s; integrity_check ok";
            TestContext.Current.TestOutputHelper?.WriteLine(report);
            TestContext.Current.SendDiagnosticMessage(report);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }

        Dictionary<string, string> Settings(int mqttPort) => new()
        {
            ["SmartApi__Webhooks__AllowPrivateNetworks"] = "true",
            // The writers create devices until each kill: a quick machine passes the default 10,000 within the 20 cycles.
            ["SmartApi__Limits__MaxDevices"] = "10000000",
            // Each device publishes in a closed loop, as fast as PUBACKs come back: on a quiet machine that passes the
            // default 200 messages/s per device, and QuotaExceeded is then the rate limit working, not a lost message.
            ["SmartApi__Mqtt__MessageRate"] = "100000",
            ["SmartApi__Mqtt__MessageBurst"] = "100000",
            // Leases of 3 x 1 s + 5 s: deliveries a dead process held are sent again within seconds.
            ["SmartApi__Webhooks__Timeout"] = "00:00:01",
            ["SmartApi__Mqtt__Port"] = mqttPort.ToString(CultureInfo.InvariantCulture),
            ["SmartApi__Mqtt__BindAddress"] = "127.0.0.1",
        };
    }

    /// <summary>Device creations until the kill; a 201 is an acknowledged event (device.created).</summary>
    private static async Task ApiLoadAsync(HttpClient client, int cycle, int writer, Acknowledged acknowledged, CancellationToken stop)
    {
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            try
            {
                using var response = await client.PostAsJsonAsync("/v1/devices",
                    new CreateDeviceRequest($"KL-{cycle:00}-{writer}-{i:00000}", "Device", "DT31", null), SmartApiJsonContext.Default.CreateDeviceRequest, CancellationToken.None);
                if (response.StatusCode != HttpStatusCode.Created)
                {
                    // Only a dying server may fail a request, and never with a 4xx or 500.
                    Assert.Fail($"POST /v1/devices answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(CancellationToken.None)}");
                }
                var device = await response.Content.ReadFromJsonAsync(SmartApiJsonContext.Default.DeviceResponse, CancellationToken.None);
                acknowledged.Devices.Add(device!.Id);
            }
            catch (Exception ex) when (stop.IsCancellationRequested && ex is HttpRequestException or TaskCanceledException or IOException)
            {
                return; // killed
            }
        }
    }

    /// <summary>A device sending telemetry, button presses and state changes at QoS 1; what it gets a PUBACK for is acknowledged.</summary>
    private static async Task DeviceLoadAsync(TestDevice device, int index, DateTimeOffset sampleBase, Acknowledged acknowledged, CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var sample = Interlocked.Increment(ref acknowledged.NextSample[index]);
                var ts = sampleBase.AddMilliseconds(sample * 50);
                if (Accepted(await device.TelemetryAsync(100, ts)))
                {
                    acknowledged.Samples[index].Add(ts.ToUnixTimeMilliseconds());
                }
                if (Accepted(await device.PublishAsync(DeviceTopics.Events, """{"type":"button","pressType":"single"}""")))
                {
                    Interlocked.Increment(ref acknowledged.Presses[index]);
                }
                if (Accepted(await device.PublishAsync(DeviceTopics.State, sample % 2 == 0 ? """{"switch":"on"}""" : """{"switch":"off"}""")))
                {
                    Interlocked.Increment(ref acknowledged.States);
                }
            }
        }
        catch (Exception) when (stop.IsCancellationRequested)
        {
            // killed: what had no PUBACK is not acknowledged
        }
        finally
        {
            device.Client.Dispose();
        }
    }

    private static bool Accepted(MqttClientPublishResult result) =>
        result.ReasonCode is MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers
            ? true
            : throw new InvalidOperationException($"a device message was refused: {result.ReasonCode} {result.ReasonString}");

    private static async Task<List<EventResponse>> AllEventsAsync(HttpClient client)
    {
        var events = new List<EventResponse>();
        string? after = null;
        while (true)
        {
            var page = await (await client.GetAsync("/v1/events?limit=500" + (after is null ? "" : "&after=" + after), Ct)).ReadAsync(SmartApiJsonContext.Default.PageEventResponse);
            events.AddRange(page.Data);
            if (!page.HasMore)
            {
                return events;
            }
            after = page.NextCursor;
        }
    }

    private static async Task<HashSet<long>> SampleTimesAsync(HttpClient client, string deviceId, DateTimeOffset sampleBase)
    {
        var times = new HashSet<long>();
        var from = Uri.EscapeDataString(sampleBase.AddMinutes(-1).ToString("O", CultureInfo.InvariantCulture));
        var to = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(1).ToString("O", CultureInfo.InvariantCulture));
        string? after = null;
        while (true)
        {
            var response = await client.GetAsync($"/v1/devices/{deviceId}/measurements?from={from}&to={to}&limit=10000" + (after is null ? "" : "&after=" + after), Ct);
            var page = await response.ReadAsync(SmartApiJsonContext.Default.PageMeasurementPoint);
            times.UnionWith(page.Data.Select(p => p.Ts.ToUnixTimeMilliseconds()));
            if (!page.HasMore)
            {
                return times;
            }
            after = page.NextCursor;
        }
    }

    private static TimeSpan Average(IEnumerable<TimeSpan> values) => TimeSpan.FromTicks((long)values.Average(v => v.Ticks));

    /// <summary>What the server acknowledged: 201s, and PUBACKs of QoS 1 messages.</summary>
    private sealed class Acknowledged
    {
        public ConcurrentBag<string> Devices { get; } = [];
        public readonly int[] Presses = new int[KillLoopTests.Devices];
        public readonly long[] NextSample = new long[KillLoopTests.Devices];
        public ConcurrentBag<long>[] Samples { get; } = Enumerable.Range(0, KillLoopTests.Devices).Select(_ => new ConcurrentBag<long>()).ToArray();
        public int States;
    }
}
