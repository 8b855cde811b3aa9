using System.Net;
using MQTTnet;
using MQTTnet.Protocol;
using SmartApi.Contracts;
using static SmartApi.Server.Tests.Mqtt.MqttTestKit;

namespace SmartApi.Server.Tests.Mqtt;

/// <summary>
/// A serial is a device's MQTT identity (client id, user name, topic root), unique across
/// organizations: no tenant can take over, read or inherit another tenant's device through it.
/// </summary>
public sealed class DeviceIdentityTests(MqttFixture fixture) : IClassFixture<MqttFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private SmartApiApplication App => fixture.App;

    [Fact]
    public async Task A_serial_registered_in_another_organization_is_409_and_its_device_stays_connected()
    {
        var (orgA, a) = await App.CreateTenantAsync("devices:read", "devices:write");
        var (orgB, b) = await App.CreateTenantAsync("devices:read", "devices:write");
        var (mine, password) = await CreateDeviceAsync(a);
        await using var device = await ConnectAsync(fixture.Port, mine.Serial, password);
        var disconnected = false;
        device.Client.DisconnectedAsync += _ =>
        {
            disconnected = true;
            return Task.CompletedTask;
        };

        var taken = await b.PostJsonAsync("/v1/devices", $$"""{"serial":"{{mine.Serial}}","name":"Mine now"}""");
        var problem = await taken.ProblemAsync(HttpStatusCode.Conflict, "serial_taken");
        // Nothing in the answer tells B who holds the serial.
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.DoesNotContain(orgA, detail, StringComparison.Ordinal);
        Assert.DoesNotContain("organization", detail, StringComparison.OrdinalIgnoreCase);
        Assert.Empty((await (await b.GetAsync("/v1/devices", Ct)).ReadAsync(SmartApiJsonContext.Default.PageDeviceResponse)).Data);
        // B cannot take the session over with a password of its own either.
        await Assert.ThrowsAnyAsync<Exception>(() => ConnectAsync(fixture.Port, mine.Serial, "not-the-password", subscribe: false));

        var own = await device.PublishAsync(DeviceTopics.Telemetry, """{"powerW":7}""");
        Assert.True(own.IsSuccess);
        Assert.True(device.Client.IsConnected);
        Assert.False(disconnected);
        Assert.Equal(7, (await GetDeviceAsync(a, mine.Id)).Measurement!.PowerW);
        Assert.NotEqual(orgA, orgB);
    }

    [Theory]
    [InlineData("devices/{other}/state")]
    [InlineData("devices/{other}/#")]
    [InlineData("devices/+/state")]
    [InlineData("devices/+/commands")]
    [InlineData("devices/#")]
    [InlineData("#")]
    [InlineData("+/{mine}/state")]
    [InlineData("+/+/+")]
    [InlineData("$SYS/#")]
    [InlineData("$share/g/devices/{other}/state")]
    [InlineData("$share/g/devices/{mine}/state")]
    [InlineData("devices/{mine}")]
    public async Task A_device_cannot_subscribe_outside_its_own_topics(string filter)
    {
        var (mine, password) = await CreateDeviceAsync(App.Admin);
        var (other, otherPassword) = await CreateDeviceAsync(App.Admin);
        await using var neighbour = await ConnectAsync(fixture.Port, other.Serial, otherPassword, subscribe: false);
        // Retained, so a subscription that got through would receive it at once.
        Assert.True((await neighbour.PublishAsync(DeviceTopics.State, """{"switch":"on"}""", retain: true)).IsSuccess);
        await using var device = await ConnectAsync(fixture.Port, mine.Serial, password, subscribe: false);

        var result = await device.Client.SubscribeAsync(filter.Replace("{other}", other.Serial).Replace("{mine}", mine.Serial),
            MqttQualityOfServiceLevel.AtLeastOnce, Ct);
        // The marker goes through the device's own subscription after anything the refused one could have brought.
        await device.Client.SubscribeAsync(DeviceTopics.For(mine.Serial, "#"), MqttQualityOfServiceLevel.AtLeastOnce, Ct);
        await device.PublishAsync(DeviceTopics.State, """{"switch":"off"}""", retain: true);

        // NotAuthorized from the ACL; MQTTnet itself refuses $share (SharedSubscriptionsNotSupported).
        var code = Assert.Single(result.Items).ResultCode;
        Assert.True(code is MqttClientSubscribeResultCode.NotAuthorized or MqttClientSubscribeResultCode.SharedSubscriptionsNotSupported, code.ToString());
        var marker = DeviceTopics.For(mine.Serial, DeviceTopics.State);
        while (await device.NextMessageAsync() is { } message && message.Topic != marker)
        {
            Assert.StartsWith(DeviceTopics.Root + mine.Serial + "/", message.Topic, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_deleted_device_is_disconnected_and_the_next_owner_of_its_serial_inherits_nothing()
    {
        var (_, a) = await App.CreateTenantAsync("devices:read", "devices:write");
        var (_, b) = await App.CreateTenantAsync("devices:read", "devices:write");
        var (old, oldPassword) = await CreateDeviceAsync(a);
        await using var oldDevice = await ConnectAsync(fixture.Port, old.Serial, oldPassword);
        Assert.True((await oldDevice.PublishAsync(DeviceTopics.State, """{"switch":"on"}""", retain: true)).IsSuccess);
        Assert.Equal(HttpStatusCode.OK, (await a.PatchJsonAsync($"/v1/devices/{old.Id}", """{"settings":{"powerOnState":"off"}}""")).StatusCode);
        Assert.Contains("off", await UntilAsync(() => oldDevice.NextAsync(DeviceTopics.Config), c => c.Contains("off", StringComparison.Ordinal)), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NoContent, (await a.DeleteAsync($"/v1/devices/{old.Id}", Ct)).StatusCode);

        await UntilAsync(() => Task.FromResult(oldDevice.Client.IsConnected), connected => !connected);
        // Its credentials are not usable any more, cached or not.
        await Assert.ThrowsAnyAsync<Exception>(() => ConnectAsync(fixture.Port, old.Serial, oldPassword, subscribe: false));

        // The serial is free: another organization registers it for its own device.
        var (next, nextPassword) = await CreateDeviceAsync(b, old.Serial);
        await using var nextDevice = await ConnectAsync(fixture.Port, next.Serial, nextPassword);
        // Retained messages come right after the subscription; the device's own report marks their end.
        await nextDevice.PublishAsync(DeviceTopics.State, """{"switch":"off","source":"button"}""", retain: true);
        var seen = new List<string>();
        while (await nextDevice.NextMessageAsync() is { } message)
        {
            var payload = message.ConvertPayloadToString();
            seen.Add(message.Topic + " " + payload);
            if (message.Topic == DeviceTopics.For(next.Serial, DeviceTopics.State) && payload.Contains("button", StringComparison.Ordinal))
            {
                break;
            }
        }
        Assert.DoesNotContain(seen, s => s.Contains("\"on\"", StringComparison.Ordinal));
        Assert.DoesNotContain(seen, s => s.Contains("\"powerOnState\":\"off\"", StringComparison.Ordinal));
    }

    private static Task<(DeviceResponse Device, string Password)> CreateDeviceAsync(HttpClient client, string? serial = null) =>
        serial is null ? MqttTestKit.CreateDeviceAsync(client) : CreateWithSerialAsync(client, serial);

    private static async Task<(DeviceResponse Device, string Password)> CreateWithSerialAsync(HttpClient client, string serial)
    {
        var device = await SmartApiApplication.CreateDeviceAsync(client, serial);
        return (device, device.Credentials!.MqttPassword);
    }
}
