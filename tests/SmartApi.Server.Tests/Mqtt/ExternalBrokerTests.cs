using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using SmartApi.Contracts;
using static SmartApi.Server.Tests.Mqtt.MqttTestKit;

namespace SmartApi.Server.Tests.Mqtt;

/// <summary>
/// A throwaway Mosquitto on a free loopback port (or the one SMARTAPI_TEST_MOSQUITTO names), for
/// the gateway's external-broker mode. Without Mosquitto the test is skipped visibly, except in CI
/// (CI=true), where .ci/run installs it and its absence is a failure.
/// </summary>
public sealed class MosquittoBroker : IAsyncDisposable
{
    private readonly Process? _process;
    private readonly string? _directory;

    private MosquittoBroker(Uri address, Process? process, string? directory)
    {
        Address = address;
        _process = process;
        _directory = directory;
    }

    public Uri Address { get; }

    public static Task<MosquittoBroker?> StartAsync() =>
        Environment.GetEnvironmentVariable("SMARTAPI_TEST_MOSQUITTO") is { Length: > 0 } given
            ? Task.FromResult<MosquittoBroker?>(new MosquittoBroker(new Uri(given), null, null))
            // Anonymous on loopback: device authentication is the broker's job in this mode and is not
            // what the gateway test is about (docs/mqtt.md shows a password file and ACL for production).
            : StartAsync((port, _) => Task.FromResult($"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"));

    /// <summary>
    /// A Mosquitto with the dynamic-security plugin and only <paramref name="admin"/> (its admin role
    /// plus publishing under <c>devices/</c>, as the server needs); null without Mosquitto or the plugin.
    /// </summary>
    public static async Task<MosquittoBroker?> StartWithDynamicSecurityAsync(string admin, string password)
    {
        var plugin = new[] { "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib", "/usr/local/lib" }
            .Select(d => Path.Combine(d, "mosquitto_dynamic_security.so")).FirstOrDefault(File.Exists);
        if (plugin is null || !File.Exists("/usr/bin/mosquitto_ctrl"))
        {
            return null;
        }
        return await StartAsync(async (port, directory) =>
        {
            var file = Path.Combine(directory, "dynamic-security.json");
            using (var init = Process.Start(new ProcessStartInfo("/usr/bin/mosquitto_ctrl", ["dynsec", "init", file, admin, password])
                { RedirectStandardOutput = true, RedirectStandardError = true })!)
            {
                await init.WaitForExitAsync();
            }
            // Before the start: changing a role at run time disconnects its clients, the admin included.
            var json = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(file))!;
            json["roles"]!.AsArray().Single(r => (string?)r!["rolename"] == "admin")!["acls"]!.AsArray()
                .Add(new System.Text.Json.Nodes.JsonObject { ["acltype"] = "publishClientSend", ["topic"] = "devices/#", ["allow"] = true });
            await File.WriteAllTextAsync(file, json.ToJsonString());
            // Run as root, Mosquitto would switch to its own user, who cannot read the test's directory.
            var user = Environment.UserName == "root" ? "user root\n" : "";
            return $"listener {port} 127.0.0.1\nallow_anonymous false\npersistence false\n{user}plugin {plugin}\nplugin_opt_config_file {file}\n";
        });
    }

    private static async Task<MosquittoBroker?> StartAsync(Func<int, string, Task<string>> configure)
    {
        var binary = new[] { "/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto" }.FirstOrDefault(File.Exists);
        if (binary is null)
        {
            return null;
        }
        var port = FreePort();
        var directory = Directory.CreateTempSubdirectory("smartapi-mosquitto-").FullName;
        var config = Path.Combine(directory, "mosquitto.conf");
        await File.WriteAllTextAsync(config, await configure(port, directory));
        var process = Process.Start(new ProcessStartInfo(binary, ["-c", config]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var address = new Uri($"mqtt://127.0.0.1:{port}");
        var started = Environment.TickCount64;
        while (Environment.TickCount64 - started < 10_000)
        {
            try
            {
                using var probe = new System.Net.Sockets.TcpClient();
                await probe.ConnectAsync("127.0.0.1", port);
                return new MosquittoBroker(address, process, directory);
            }
            catch (System.Net.Sockets.SocketException)
            {
                await Task.Delay(50);
            }
        }
        process.Kill();
        throw new InvalidOperationException("mosquitto did not start: " + await process.StandardError.ReadToEndAsync());
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        if (_directory is not null)
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}

public sealed class ExternalBrokerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Against_Mosquitto_the_gateway_ingests_shared_subscription_traffic_and_round_trips_commands()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        if (broker is null)
        {
            Assert.False(Environment.GetEnvironmentVariable("CI") == "true", "CI must have mosquitto: .ci/run installs it");
            Assert.Skip("mosquitto is not installed (apt-get install -y mosquitto); external broker mode not tested");
        }
        await using var app = await SmartApiApplication.StartAsync(new Dictionary<string, string?>
        {
            ["SmartApi:Mqtt:ExternalBroker"] = broker.Address.ToString(),
            ["SmartApi:Mqtt:OfflineGracePeriod"] = "00:00:00",
        });
        var (created, _) = await CreateDeviceAsync(app.Admin);
        var serial = created.Serial;

        using var device = new MqttClientFactory().CreateMqttClient();
        var commands = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        device.ApplicationMessageReceivedAsync += e =>
        {
            if (e.ApplicationMessage.Topic == DeviceTopics.For(serial, DeviceTopics.Commands))
            {
                commands.TrySetResult(e.ApplicationMessage.ConvertPayloadToString());
            }
            return Task.CompletedTask;
        };
        await device.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer(broker.Address.Host, broker.Address.Port)
            .WithClientId(serial)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithWillTopic(DeviceTopics.For(serial, DeviceTopics.Status)).WithWillPayload("offline").WithWillRetain(true)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build(), Ct);
        await device.SubscribeAsync(DeviceTopics.For(serial, DeviceTopics.Commands), MqttQualityOfServiceLevel.AtLeastOnce, Ct);
        await device.PublishStringAsync(DeviceTopics.For(serial, DeviceTopics.Status), "online", MqttQualityOfServiceLevel.AtLeastOnce, retain: true, Ct);
        await device.PublishStringAsync(DeviceTopics.For(serial, DeviceTopics.Telemetry), """{"powerW":42.5,"energyWh":10}""", MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken: Ct);

        var online = await EventAsync(app.Admin, created.Id, "device.online", timeoutMs: 20_000);
        var measured = await UntilAsync(() => GetDeviceAsync(app.Admin, created.Id), d => d.Measurement is not null, 20_000);
        var switchResponse = await app.Admin.PostAsJsonAsync($"/v1/devices/{created.Id}/switch", new SwitchRequest(SwitchAction.On), SmartApiJsonContext.Default.SwitchRequest, Ct);
        var command = await switchResponse.ReadAsync(SmartApiJsonContext.Default.CommandResponse);
        var received = JsonSerializer.Deserialize(await commands.Task.WaitAsync(TimeSpan.FromSeconds(20), Ct), DeviceProtocolJsonContext.Default.DeviceCommand)!;
        await device.PublishStringAsync(DeviceTopics.For(serial, DeviceTopics.State), $$"""{"switch":"on","commandId":"{{received.Id}}"}""", MqttQualityOfServiceLevel.AtLeastOnce, retain: true, Ct);
        var switched = await EventAsync(app.Admin, created.Id, "device.switched", timeoutMs: 20_000);
        await device.PublishStringAsync(DeviceTopics.For(serial, DeviceTopics.Status), "offline", MqttQualityOfServiceLevel.AtLeastOnce, retain: true, Ct);
        var offline = await EventAsync(app.Admin, created.Id, "device.offline", timeoutMs: 20_000);

        Assert.Equal("connected", online.Data.GetProperty("reason").GetString());
        Assert.Equal(42.5, measured.Measurement!.PowerW);
        Assert.Equal(command.Id, received.Id);
        Assert.Equal("api", switched.Data.GetProperty("source").GetString());
        Assert.Equal("disconnected", offline.Data.GetProperty("reason").GetString());
        Assert.Equal(CommandStatus.Acknowledged, (await (await app.Admin.GetAsync($"/v1/devices/{created.Id}/commands/{command.Id}", Ct))
            .ReadAsync(SmartApiJsonContext.Default.CommandResponse)).Status);
    }
}
