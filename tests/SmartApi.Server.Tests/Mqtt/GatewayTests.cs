using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Protocol;
using SmartApi.Contracts;
using SmartApi.Server.Mqtt;
using static SmartApi.Server.Tests.Mqtt.MqttTestKit;

namespace SmartApi.Server.Tests.Mqtt;

public sealed class MqttFixture : IAsyncLifetime
{
    public int Port { get; } = FreePort();
    public SmartApiApplication App { get; private set; } = null!;

    public async ValueTask InitializeAsync() => App = await StartAsync(Port);

    public async ValueTask DisposeAsync() => await App.DisposeAsync();
}

/// <summary>Real MQTTnet device clients against the embedded broker on loopback, real clock.</summary>
public sealed class GatewayTests(MqttFixture fixture) : IClassFixture<MqttFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private HttpClient Admin => fixture.App.Admin;

    [Fact]
    public async Task A_device_with_a_wrong_password_or_client_id_is_refused()
    {
        var (device, password) = await CreateDeviceAsync(Admin);

        var wrongPassword = await Assert.ThrowsAnyAsync<Exception>(() => ConnectAsync(fixture.Port, device.Serial, password + "x"));
        var otherClientId = await Assert.ThrowsAnyAsync<Exception>(() => ConnectAsync(fixture.Port, device.Serial, password, clientId: "someone-else"));
        await using var right = await ConnectAsync(fixture.Port, device.Serial, password);

        Assert.Contains("BadUserNameOrPassword", wrongPassword.Message + wrongPassword.InnerException?.Message);
        Assert.NotNull(otherClientId);
        Assert.True(right.Client.IsConnected);
    }

    [Fact]
    public async Task A_device_publishing_under_another_serial_is_refused_and_nothing_is_ingested()
    {
        var (mine, password) = await CreateDeviceAsync(Admin);
        var (other, _) = await CreateDeviceAsync(Admin);
        await using var device = await ConnectAsync(fixture.Port, mine.Serial, password);

        var foreign = await device.PublishAsync(DeviceTopics.Telemetry, """{"powerW":99}""", serial: other.Serial);
        var subscribe = await device.Client.SubscribeAsync(DeviceTopics.For(other.Serial, DeviceTopics.Commands), MqttQualityOfServiceLevel.AtLeastOnce, Ct);
        var wildcard = await device.Client.SubscribeAsync("devices/#", MqttQualityOfServiceLevel.AtLeastOnce, Ct);
        var own = await device.PublishAsync(DeviceTopics.Telemetry, """{"powerW":12}""");

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, foreign.ReasonCode);
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, Assert.Single(subscribe.Items).ResultCode);
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, Assert.Single(wildcard.Items).ResultCode);
        Assert.True(own.IsSuccess);
        Assert.Null((await GetDeviceAsync(Admin, other.Id)).Measurement);
        Assert.Equal(12, (await GetDeviceAsync(Admin, mine.Id)).Measurement!.PowerW);
    }

    [Fact]
    public async Task Telemetry_becomes_measurements_and_connecting_makes_the_device_online()
    {
        var (created, password) = await CreateDeviceAsync(Admin);
        await using var device = await ConnectAsync(fixture.Port, created.Serial, password);
        var start = DateTimeOffset.UtcNow.AddMinutes(-1);

        for (var i = 0; i < 5; i++)
        {
            Assert.True((await device.TelemetryAsync(100 + i, start.AddSeconds(i), energyWh: 1000 + i)).IsSuccess);
        }

        var online = await EventAsync(Admin, created.Id, "device.online");
        var points = await (await Admin.GetAsync($"/v1/devices/{created.Id}/measurements?from={start.AddSeconds(-1):O}&to={start.AddMinutes(1):O}&interval=raw".Replace("+", "%2B"), Ct))
            .Content.ReadAsStringAsync(Ct);
        var stored = await GetDeviceAsync(Admin, created.Id);
        Assert.Equal("connected", online.Data.GetProperty("reason").GetString());
        Assert.True(stored.Online);
        Assert.Equal(104, stored.Measurement!.PowerW);
        Assert.Equal(5, JsonDocument.Parse(points).RootElement.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task State_button_and_overload_reports_become_events()
    {
        var (created, password) = await CreateDeviceAsync(Admin);
        await using var device = await ConnectAsync(fixture.Port, created.Serial, password);

        await device.PublishAsync(DeviceTopics.State, """{"switch":"on","source":"button"}""");
        await device.PublishAsync(DeviceTopics.Events, """{"type":"button","pressType":"double"}""");
        await device.PublishAsync(DeviceTopics.Events, """{"type":"overload","kind":"overpower","value":3900.5,"limit":3680}""");
        await device.PublishAsync(DeviceTopics.State, """{"switch":"off","source":"protection"}""");

        var switched = await UntilAsync(() => EventsAsync(Admin, created.Id, "device.switched"), e => e.Count == 2);
        var button = await EventAsync(Admin, created.Id, "device.button_pressed");
        var overload = await EventAsync(Admin, created.Id, "device.overload");
        Assert.Equal(("on", "unknown", "button"), Switch(switched[0]));
        Assert.Equal(("off", "on", "protection"), Switch(switched[1]));
        Assert.Equal("double", button.Data.GetProperty("pressType").GetString());
        Assert.Equal(("overpower", 3900.5, 3680.0),
            (overload.Data.GetProperty("kind").GetString(), overload.Data.GetProperty("value").GetDouble(), overload.Data.GetProperty("limit").GetDouble()));
        Assert.Equal(SwitchState.Off, (await GetDeviceAsync(Admin, created.Id)).Switch);
    }

    [Fact]
    public async Task Malformed_payloads_are_counted_and_the_good_messages_around_them_are_ingested()
    {
        var (created, password) = await CreateDeviceAsync(Admin);
        await using var device = await ConnectAsync(fixture.Port, created.Serial, password);
        var metrics = fixture.App.Services.GetRequiredService<GatewayMetrics>();
        var before = metrics.MalformedTotal;
        var start = DateTimeOffset.UtcNow.AddMinutes(-1);

        await device.TelemetryAsync(1, start);
        var bad = new[]
        {
            await device.PublishAsync(DeviceTopics.Telemetry, "{not json"),
            await device.PublishAsync(DeviceTopics.Telemetry, """{"voltageV":230}"""),
            await device.PublishAsync(DeviceTopics.Telemetry, """{"powerW":"many"}"""),
            await device.PublishAsync(DeviceTopics.State, """{"switch":"sideways"}"""),
            await device.PublishAsync(DeviceTopics.Events, """{"type":"button","pressType":"triple"}"""),
            await device.PublishAsync(DeviceTopics.Events, """[1,2,3]"""),
        };
        await device.TelemetryAsync(2, start.AddSeconds(1));
        await device.PublishAsync(DeviceTopics.Events, """{"type":"button","pressType":"long"}""");

        Assert.All(bad, r => Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, r.ReasonCode));
        Assert.Equal(6, metrics.MalformedTotal - before);
        Assert.Equal(2, (await GetDeviceAsync(Admin, created.Id)).Measurement!.PowerW);
        Assert.Equal("long", (await EventAsync(Admin, created.Id, "device.button_pressed")).Data.GetProperty("pressType").GetString());
        Assert.True(device.Client.IsConnected);
        var scrape = await fixture.App.CreateClient().GetStringAsync("/metrics", Ct);
        Assert.Contains("smartapi_mqtt_malformed_total", scrape);
    }

    [Fact]
    public async Task A_switch_command_round_trips_with_the_devices_acknowledgement()
    {
        var (created, password) = await CreateDeviceAsync(Admin);
        await using var device = await ConnectAsync(fixture.Port, created.Serial, password);

        var command = await SwitchAsync(created.Id, "on");
        var received = JsonSerializer.Deserialize(await device.NextAsync(DeviceTopics.Commands), DeviceProtocolJsonContext.Default.DeviceCommand)!;
        var delivered = await UntilAsync(() => CommandAsync(created.Id, command.Id), c => c.Status == CommandStatus.Delivered);
        await device.PublishAsync(DeviceTopics.State, $$"""{"switch":"on","commandId":"{{received.Id}}"}""");

        var acknowledged = await UntilAsync(() => CommandAsync(created.Id, command.Id), c => c.Status == CommandStatus.Acknowledged);
        var switched = await EventAsync(Admin, created.Id, "device.switched");
        var succeeded = await EventAsync(Admin, created.Id, "command.succeeded");
        Assert.Equal((command.Id, "switch", "on"), (received.Id, received.Action, received.State));
        Assert.Equal(CommandStatus.Delivered, delivered.Status);
        Assert.Equal(CommandStatus.Acknowledged, acknowledged.Status);
        Assert.Equal(("on", "unknown", "api"), Switch(switched));
        Assert.Equal(command.Id, switched.Data.GetProperty("commandId").GetString());
        Assert.Equal(command.Id, succeeded.Data.GetProperty("commandId").GetString());
        Assert.Equal(SwitchState.On, (await GetDeviceAsync(Admin, created.Id)).Switch);
    }

    [Fact]
    public async Task A_device_reporting_an_error_fails_the_command()
    {
        var (created, password) = await CreateDeviceAsync(Admin);
        await using var device = await ConnectAsync(fixture.Port, created.Serial, password);

        var command = await SwitchAsync(created.Id, "on");
        await device.NextAsync(DeviceTopics.Commands);
        await device.PublishAsync(DeviceTopics.State, $$"""{"switch":"off","commandId":"{{command.Id}}","error":"relay_stuck"}""");

        var failed = await UntilAsync(() => CommandAsync(created.Id, command.Id), c => c.Status == CommandStatus.Failed);
        var failedEvent = await EventAsync(Admin, created.Id, "command.failed");
        Assert.Equal("relay_stuck", failed.Error);
        Assert.Equal("relay_stuck", failedEvent.Data.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_command_to_an_offline_device_waits_until_it_connects()
    {
        var (created, password) = await CreateDeviceAsync(Admin);

        var command = await SwitchAsync(created.Id, "off");
        await Task.Delay(1500, Ct); // a dispatcher round or more passes without the device
        var whileAway = await CommandAsync(created.Id, command.Id);
        await using var device = await ConnectAsync(fixture.Port, created.Serial, password);
        var received = await device.NextAsync(DeviceTopics.Commands);

        Assert.Equal(CommandStatus.Pending, whileAway.Status);
        Assert.Contains(command.Id, received);
        await UntilAsync(() => CommandAsync(created.Id, command.Id), c => c.Status == CommandStatus.Delivered);
    }

    [Fact]
    public async Task PowerOnState_is_sent_to_the_device_as_its_retained_config()
    {
        var (created, password) = await CreateDeviceAsync(Admin);
        await using var device = await ConnectAsync(fixture.Port, created.Serial, password);
        Assert.Contains("\"last\"", await device.NextAsync(DeviceTopics.Config));

        var patch = await Admin.PatchAsync($"/v1/devices/{created.Id}", Http.Json("""{"settings":{"powerOnState":"off"}}"""), Ct);
        var pushed = await device.NextAsync(DeviceTopics.Config);
        await device.DisposeAsync();
        await using var again = await ConnectAsync(fixture.Port, created.Serial, password);

        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        Assert.Equal("""{"powerOnState":"off"}""", pushed);
        Assert.Equal("""{"powerOnState":"off"}""", await again.NextAsync(DeviceTopics.Config));
    }

    private static (string?, string?, string?) Switch(EventResponse e) =>
        (e.Data.GetProperty("state").GetString(), e.Data.GetProperty("previousState").GetString(), e.Data.GetProperty("source").GetString());

    private async Task<CommandResponse> SwitchAsync(string deviceId, string state)
    {
        var response = await Admin.PostAsJsonAsync($"/v1/devices/{deviceId}/switch", new SwitchRequest(Enum.Parse<SwitchAction>(state, ignoreCase: true)), SmartApiJsonContext.Default.SwitchRequest, Ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return await response.ReadAsync(SmartApiJsonContext.Default.CommandResponse);
    }

    private async Task<CommandResponse> CommandAsync(string deviceId, string commandId) =>
        await (await Admin.GetAsync($"/v1/devices/{deviceId}/commands/{commandId}", Ct)).ReadAsync(SmartApiJsonContext.Default.CommandResponse);
}
