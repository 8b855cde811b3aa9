using System.Net.Http.Json;
using SmartApi.Contracts;
using SmartApi.Simulator;
using static SmartApi.Server.Tests.Mqtt.MqttTestKit;

namespace SmartApi.Server.Tests.Mqtt;

/// <summary>The simulator against the real server: devices provisioned through the API, telemetry, commands, a broker restart.</summary>
public sealed class SimulatorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_simulated_fleet_reports_obeys_commands_and_reconnects_after_a_broker_restart()
    {
        var port = FreePort();
        var directory = Directory.CreateTempSubdirectory("smartapi-sim-").FullName;
        var credentialsFile = Path.Combine(directory, "devices.json");
        var app = await StartAsync(port, dataDirectory: directory);
        try
        {
            var credentials = await DeviceProvisioner.EnsureDevicesAsync(app.Admin, 5, credentialsFile, cancellationToken: Ct);
            var again = await DeviceProvisioner.EnsureDevicesAsync(app.Admin, 5, credentialsFile, cancellationToken: Ct);
            await using var fleet = new DeviceSimulator(credentials, new SimulatorOptions
            {
                Broker = new Uri($"mqtt://127.0.0.1:{port}"),
                TelemetryInterval = TimeSpan.FromMilliseconds(100),
                ButtonPressesPerHour = 0,
                OverloadsPerDay = 0,
                Seed = 1,
            });
            await fleet.ConnectAsync(cancellationToken: Ct);
            using var running = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            var run = fleet.RunAsync(running.Token);

            var devices = (await (await app.Admin.GetAsync("/v1/devices?limit=10", Ct)).ReadAsync(SmartApiJsonContext.Default.PageDeviceResponse)).Data;
            foreach (var device in devices)
            {
                await UntilAsync(() => GetDeviceAsync(app.Admin, device.Id), d => d.Online && d.Measurement is not null);
            }
            var target = devices[0];
            var command = await (await app.Admin.PostAsJsonAsync($"/v1/devices/{target.Id}/switch", new SwitchRequest(SwitchAction.Off), SmartApiJsonContext.Default.SwitchRequest, Ct))
                .ReadAsync(SmartApiJsonContext.Default.CommandResponse);
            await UntilAsync(async () => await (await app.Admin.GetAsync($"/v1/devices/{target.Id}/commands/{command.Id}", Ct)).ReadAsync(SmartApiJsonContext.Default.CommandResponse),
                c => c.Status == CommandStatus.Acknowledged);
            Assert.False(fleet.Devices.Single(d => d.Serial == target.Serial).IsOn);

            await app.DisposeAsync();
            await UntilAsync(() => Task.FromResult(fleet.Devices.Count(d => d.IsConnected)), connected => connected == 0);
            var restartedAt = DateTimeOffset.UtcNow;
            app = await StartAsync(port, dataDirectory: directory);
            await UntilAsync(() => Task.FromResult(fleet.Devices.Count(d => d.IsConnected)), connected => connected == 5, 30_000);
            await UntilAsync(() => GetDeviceAsync(app.Admin, devices[1].Id), d => d.Measurement!.Ts > restartedAt, 30_000);
            await running.CancelAsync();
            await run;

            Assert.Equal(credentials, again);
            Assert.Equal(5, devices.Count);
            Assert.All(fleet.Devices, d => Assert.True(d.TelemetrySent > 0));
        }
        finally
        {
            await app.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }
}
