using System.Net;
using System.Text.Json;
using SmartApi.Contracts;
using static SmartApi.Server.Tests.Mqtt.MqttTestKit;

namespace SmartApi.Server.Tests.Mqtt;

/// <summary>A bulk switch reaches real MQTTnet device clients: each device gets its own command, and the batch shows each one's status.</summary>
public sealed class BulkSwitchGatewayTests(MqttFixture fixture) : IClassFixture<MqttFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private HttpClient Admin => fixture.App.Admin;

    [Fact]
    public async Task Every_device_with_the_tag_receives_its_own_command_and_the_batch_follows_their_acknowledgements()
    {
        var tag = "bulk" + Guid.NewGuid().ToString("N")[..8];
        var devices = new List<(DeviceResponse Device, TestDevice Client)>();
        for (var i = 0; i < 3; i++)
        {
            var (created, password) = await CreateDeviceAsync(Admin);
            var patch = await Admin.PatchAsync($"/v1/devices/{created.Id}", Http.Json($$$"""{"tags":{"{{{tag}}}":"on"}}"""), Ct);
            Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
            devices.Add((created, await ConnectAsync(fixture.Port, created.Serial, password)));
        }
        try
        {
            var response = await Admin.PostJsonAsync("/v1/devices/switch", $$"""{"state":"on","tag":"{{tag}}:on"}""");
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            var batch = await response.ReadAsync(SmartApiJsonContext.Default.SwitchBatchResponse);

            foreach (var (device, client) in devices)
            {
                var expected = Assert.Single(batch.Commands, c => c.DeviceId == device.Id);
                var received = JsonSerializer.Deserialize(await client.NextAsync(DeviceTopics.Commands), DeviceProtocolJsonContext.Default.DeviceCommand)!;
                Assert.Equal((expected.CommandId, "switch", "on"), (received.Id, received.Action, received.State));
            }
            // Two acknowledge; the third stays delivered.
            foreach (var (device, client) in devices.Take(2))
            {
                var commandId = batch.Commands.Single(c => c.DeviceId == device.Id).CommandId;
                await client.PublishAsync(DeviceTopics.State, $$"""{"switch":"on","commandId":"{{commandId}}"}""");
            }
            var statuses = await UntilAsync(
                async () => (await (await Admin.GetAsync($"/v1/command-batches/{batch.BatchId}", Ct)).ReadAsync(SmartApiJsonContext.Default.SwitchBatchResponse)).Commands,
                commands => commands.Count(c => c.Status == CommandStatus.Acknowledged) == 2 && commands.Count(c => c.Status == CommandStatus.Delivered) == 1);

            Assert.Equal(devices.Select(d => d.Device.Id).Order(StringComparer.Ordinal), statuses.Select(c => c.DeviceId));
            Assert.Equal(CommandStatus.Delivered, statuses.Single(c => c.DeviceId == devices[2].Device.Id).Status);
            Assert.Equal(SwitchState.On, (await GetDeviceAsync(Admin, devices[0].Device.Id)).Switch);
        }
        finally
        {
            foreach (var (_, client) in devices)
            {
                await client.DisposeAsync();
            }
        }
    }
}
