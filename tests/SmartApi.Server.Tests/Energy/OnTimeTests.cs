using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SmartApi.Contracts;
using SmartApi.Server.Measurements;
using SmartApi.Server.Mqtt;
using SmartApi.Server.Tests.Webhooks;
using SmartApi.Testing;

namespace SmartApi.Server.Tests.Energy;

/// <summary>
/// On-time is the time the switch was on (ADR 033): state reports stamp the device row with the
/// change, and the ingestor splits covered intervals there, on any node and after a restart.
/// </summary>
public sealed class OnTimeTests
{
    private static readonly DateTimeOffset T0 = new(2026, 6, 10, 8, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A device of a new tenant, and its identity as the gateway knows it.</summary>
    private static async Task<(HttpClient Client, DeviceIdentity Device)> DeviceAsync(SmartApiApplication app)
    {
        var (organizationId, client) = await app.CreateTenantAsync("devices:read", "devices:write");
        var device = await SmartApiApplication.CreateDeviceAsync(client);
        return (client, new DeviceIdentity(device.Id, organizationId, device.Serial));
    }

    /// <summary>A state report handled at the clock's present time, as the gateway hands it over.</summary>
    private static async Task SwitchAsync(SmartApiApplication app, DeviceIdentity device, string state) =>
        Assert.True(await app.Services.GetRequiredService<DeviceReports>().ApplyStateAsync(device, state, "button", null, null, Ct));

    /// <summary>One sample a minute for the minutes <paramref name="from"/> to <paramref name="to"/> after T0, power by minute.</summary>
    private static Task IngestAsync(SmartApiApplication app, DeviceIdentity device, int from, int to, Func<int, double> powerW, int every = 1) =>
        EnergyApiTests.IngestAllAsync(app.Services.GetRequiredService<TelemetryIngestor>(), device.DeviceId,
            Enumerable.Range(from, to - from + 1).Where(m => (m - from) % every == 0).Select(m => new TelemetrySample(T0.AddMinutes(m), powerW(m))));

    private static async Task<EnergyBucket> HourAsync(HttpClient client, DeviceIdentity device)
    {
        var response = await client.GetFromJsonAsync($"/v1/devices/{device.DeviceId}/energy?from=2026-06-10T08:00:00Z&to=2026-06-10T09:00:00Z&interval=hour&timeZone=UTC",
            SmartApiJsonContext.Default.DeviceEnergyResponse, Ct);
        return Assert.Single(response!.Buckets);
    }

    /// <summary>
    /// Off until 08:15, on until 08:45, off again, reported to <paramref name="stateNode"/>; a sample a
    /// minute from 08:00 to 09:00 ingested by <paramref name="telemetryNode"/>, each as the clock reaches it.
    /// </summary>
    private static async Task OnFrom15To45Async(FakeTimeProvider time, SmartApiApplication stateNode, SmartApiApplication telemetryNode, DeviceIdentity device, Func<int, double> powerW)
    {
        await SwitchAsync(stateNode, device, "off");
        time.SetUtcNow(T0.AddMinutes(15));
        await IngestAsync(telemetryNode, device, 0, 15, powerW);
        await SwitchAsync(stateNode, device, "on");
        time.SetUtcNow(T0.AddMinutes(45));
        await IngestAsync(telemetryNode, device, 16, 45, powerW);
        await SwitchAsync(stateNode, device, "off");
        time.SetUtcNow(T0.AddMinutes(60));
        await IngestAsync(telemetryNode, device, 46, 60, powerW);
    }

    public static TheoryData<string> Powers => ["0 W", "100 W", "100 W while off, 0 W while on"];

    [Theory]
    [MemberData(nameof(Powers))]
    public async Task Switched_on_for_30_of_60_minutes_is_half_an_hour_whatever_the_power(string power)
    {
        var time = new FakeTimeProvider(T0.AddMinutes(-1));
        await using var app = await RetryTests.StartAppAsync(time);
        var (client, device) = await DeviceAsync(app);
        Func<int, double> powerW = power switch
        {
            "0 W" => _ => 0,
            "100 W" => _ => 100,
            _ => m => m is > 15 and <= 45 ? 0 : 100,
        };

        await OnFrom15To45Async(time, app, app, device, powerW);

        var hour = await HourAsync(client, device);
        Assert.Equal(0.5, hour.OnHours, 9);
        Assert.Equal(59.0 / 60, hour.Coverage, 9); // the first sample covers nothing
    }

    [Fact]
    public async Task A_switch_change_inside_a_covered_interval_splits_it_and_a_late_sample_before_the_change_takes_the_previous_state()
    {
        var time = new FakeTimeProvider(T0.AddMinutes(-1));
        await using var app = await RetryTests.StartAppAsync(time);
        var (client, device) = await DeviceAsync(app);
        await SwitchAsync(app, device, "off");

        // A sample every 4 minutes at 0 W; on at 08:10 (inside 08:08-08:12), off at 08:50 (inside 08:48-08:52).
        time.SetUtcNow(T0.AddMinutes(10));
        await IngestAsync(app, device, 0, 4, _ => 0, every: 4);
        await SwitchAsync(app, device, "on");
        // 08:08 arrives after the change: its interval 08:04-08:08 lies before 08:10, so it is off.
        await IngestAsync(app, device, 8, 8, _ => 0);
        time.SetUtcNow(T0.AddMinutes(50));
        await IngestAsync(app, device, 12, 48, _ => 0, every: 4);
        await SwitchAsync(app, device, "off");
        time.SetUtcNow(T0.AddMinutes(60));
        await IngestAsync(app, device, 52, 56, _ => 0, every: 4);

        var hour = await HourAsync(client, device);
        Assert.Equal(40.0 / 60, hour.OnHours, 9);
        Assert.Equal(56.0 / 60, hour.Coverage, 9);
    }

    [Fact]
    public async Task An_unknown_switch_counts_the_time_the_device_drew_power_until_a_state_is_reported()
    {
        var time = new FakeTimeProvider(T0.AddMinutes(30));
        await using var app = await RetryTests.StartAppAsync(time);
        var (client, device) = await DeviceAsync(app);

        // 100 W throughout; the switch is unknown (never reported) until it reports off at 08:30.
        await IngestAsync(app, device, 0, 30, _ => 100);
        await SwitchAsync(app, device, "off");
        time.SetUtcNow(T0.AddMinutes(60));
        await IngestAsync(app, device, 31, 60, _ => 100);

        Assert.Equal(0.5, (await HourAsync(client, device)).OnHours, 9);
    }

    [Fact]
    public async Task After_a_restart_the_switch_and_its_last_change_come_from_the_device_row()
    {
        var directory = Directory.CreateTempSubdirectory("smartapi-ontime-").FullName;
        try
        {
            var time = new FakeTimeProvider(T0.AddMinutes(-1));
            string key;
            DeviceIdentity device;
            await using (var first = await RetryTests.StartAppAsync(time, directory))
            {
                HttpClient client;
                (client, device) = await DeviceAsync(first);
                key = client.DefaultRequestHeaders.Authorization!.Parameter!;
                await SwitchAsync(first, device, "on");
                time.SetUtcNow(T0.AddMinutes(30));
                await IngestAsync(first, device, 0, 20, _ => 0);
                // Off at 08:30, while the latest sample is at 08:20: the next interval splits there.
                await SwitchAsync(first, device, "off");
            }

            time.SetUtcNow(T0.AddMinutes(60));
            await using var second = await RetryTests.StartAppAsync(time, directory);
            await IngestAsync(second, device, 21, 60, _ => 0);

            Assert.Equal(0.5, (await HourAsync(second.CreateClient(key), device)).OnHours, 9);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_switch_change_handled_by_another_node_reaches_the_node_that_keeps_the_devices_energy_state()
    {
        if (!PostgresTestEnvironment.IsConfigured)
        {
            PostgresTestEnvironment.ConnectionString(); // skips (fails under CI=true)
        }
        var time = new FakeTimeProvider(T0.AddMinutes(-1));
        await using var telemetryNode = await SmartApiApplication.StartAsync(
            provider: "postgres", configure: builder => builder.Services.AddSingleton<TimeProvider>(time));
        var shared = new Dictionary<string, string?>
        {
            ["SmartApi:Storage:ConnectionString"] = telemetryNode.App.Configuration["SmartApi:Storage:ConnectionString"],
        };
        await using var stateNode = await SmartApiApplication.StartAsync(
            shared, provider: "postgres", configure: builder => builder.Services.AddSingleton<TimeProvider>(time));
        var (client, device) = await DeviceAsync(telemetryNode);

        // The telemetry node keeps the device's energy state (embedded broker) from its first batches on;
        // the state reports are handled by the other node, as after a reconnect there.
        await OnFrom15To45Async(time, stateNode, telemetryNode, device, _ => 0);

        Assert.Equal(0.5, (await HourAsync(client, device)).OnHours, 9);
    }
}
