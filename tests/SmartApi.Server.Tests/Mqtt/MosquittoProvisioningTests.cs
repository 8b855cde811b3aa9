using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using SmartApi.Contracts;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;
using SmartApi.Testing;
using static SmartApi.Server.Tests.Mqtt.MqttTestKit;

namespace SmartApi.Server.Tests.Mqtt;

/// <summary>
/// <c>SmartApi:Mqtt:Provisioning=MosquittoDynamicSecurity</c>: two server nodes on PostgreSQL keep a
/// real Mosquitto's accounts in step with the API, and devices connect with the credentials it shows.
/// </summary>
public sealed class MosquittoProvisioningTests
{
    private const string Admin = "smartapi";
    private const string AdminPassword = "server-secret-for-tests";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Dictionary<string, string?> Settings(Uri broker) => new()
    {
        ["SmartApi:Mqtt:ExternalBroker"] = broker.ToString(),
        ["SmartApi:Mqtt:Username"] = Admin,
        ["SmartApi:Mqtt:Password"] = AdminPassword,
        ["SmartApi:Mqtt:Provisioning"] = "MosquittoDynamicSecurity",
    };

    [Fact]
    public async Task Two_nodes_keep_Mosquitto_accounts_in_step_on_create_rotate_and_delete()
    {
        if (!PostgresTestEnvironment.IsConfigured)
        {
            PostgresTestEnvironment.ConnectionString(); // skips (fails under CI=true)
        }
        await using var broker = await MosquittoBroker.StartWithDynamicSecurityAsync(Admin, AdminPassword);
        if (broker is null)
        {
            Assert.False(Environment.GetEnvironmentVariable("CI") == "true", "CI must have mosquitto with its dynamic-security plugin");
            Assert.Skip("mosquitto or its dynamic-security plugin is not installed; provisioning not tested");
        }
        await using var nodeA = await SmartApiApplication.StartAsync(Settings(broker.Address), provider: "postgres");
        var shared = Settings(broker.Address);
        shared["SmartApi:Storage:ConnectionString"] = nodeA.App.Configuration["SmartApi:Storage:ConnectionString"];
        await using var nodeB = await SmartApiApplication.StartAsync(shared, provider: "postgres");
        var store = nodeA.Services.GetRequiredService<ISmartApiStore>();

        var first = await SmartApiApplication.CreateDeviceAsync(nodeA.Admin);
        var second = await SmartApiApplication.CreateDeviceAsync(nodeB.Admin);
        await AppliedAsync(store);
        using var device = await ConnectAsync(broker.Address, first.Serial, first.Credentials!.MqttPassword);
        var own = await device.PublishStringAsync(DeviceTopics.For(first.Serial, DeviceTopics.Telemetry), """{"powerW":1}""", MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken: Ct);
        var others = await device.PublishStringAsync(DeviceTopics.For(second.Serial, DeviceTopics.Telemetry), """{"powerW":1}""", MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken: Ct);
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        device.DisconnectedAsync += _ =>
        {
            ended.TrySetResult();
            return Task.CompletedTask;
        };

        var rotation = await nodeB.Admin.PostAsync($"/v1/devices/{first.Id}/rotate-credentials", null, Ct);
        var rotated = await rotation.ReadAsync(SmartApiJsonContext.Default.DeviceCredentials);
        await AppliedAsync(store);
        await ended.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        var oldPassword = await RefusalAsync(broker.Address, first.Serial, first.Credentials.MqttPassword);
        using (var renewed = await ConnectAsync(broker.Address, first.Serial, rotated.MqttPassword))
        {
            Assert.True(renewed.IsConnected);
        }
        Assert.Equal(HttpStatusCode.NoContent, (await nodeA.Admin.DeleteAsync($"/v1/devices/{first.Id}", Ct)).StatusCode);
        await AppliedAsync(store);
        var deleted = await RefusalAsync(broker.Address, first.Serial, rotated.MqttPassword);
        using var survivor = await ConnectAsync(broker.Address, second.Serial, second.Credentials!.MqttPassword);

        Assert.True(own.IsSuccess, own.ReasonCode.ToString());
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, others.ReasonCode);
        Assert.Equal(HttpStatusCode.OK, rotation.StatusCode);
        Assert.Contains("NotAuthorized", oldPassword);
        Assert.Contains("NotAuthorized", deleted);
        Assert.True(survivor.IsConnected);
    }

    [Fact]
    public async Task A_rotation_rebuilds_the_role_so_an_acl_added_at_the_broker_does_not_survive_and_a_repeat_applies_cleanly()
    {
        await using var broker = await MosquittoBroker.StartWithDynamicSecurityAsync(Admin, AdminPassword);
        if (broker is null)
        {
            Assert.False(Environment.GetEnvironmentVariable("CI") == "true", "CI must have mosquitto with its dynamic-security plugin");
            Assert.Skip("mosquitto or its dynamic-security plugin is not installed; provisioning not tested");
        }
        await using var app = await SmartApiApplication.StartAsync(Settings(broker.Address));
        var store = app.Services.GetRequiredService<ISmartApiStore>();
        var device = await SmartApiApplication.CreateDeviceAsync(app.Admin);
        var other = await SmartApiApplication.CreateDeviceAsync(app.Admin);
        await AppliedAsync(store);
        // Drift at the broker: an operator widens the device's role to every device's topics.
        var widened = await ControlAsync(broker.Address, $$"""
            {"commands":[{"command":"addRoleACL","rolename":"smartapi-device-{{device.Serial}}","acltype":"publishClientSend","topic":"devices/#","allow":true,"priority":5}]}
            """);

        string password = "";
        for (var i = 0; i < 2; i++)
        {
            password = (await (await app.Admin.PostAsync($"/v1/devices/{device.Id}/rotate-credentials", null, Ct))
                .ReadAsync(SmartApiJsonContext.Default.DeviceCredentials)).MqttPassword;
            Assert.Empty(await AppliedAsync(store));
        }
        using var client = await ConnectAsync(broker.Address, device.Serial, password);
        var own = await client.PublishStringAsync(DeviceTopics.For(device.Serial, DeviceTopics.Telemetry), """{"powerW":1}""", MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken: Ct);
        var others = await client.PublishStringAsync(DeviceTopics.For(other.Serial, DeviceTopics.Telemetry), """{"powerW":1}""", MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken: Ct);

        Assert.DoesNotContain("error", widened, StringComparison.Ordinal);
        Assert.True(own.IsSuccess, own.ReasonCode.ToString());
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, others.ReasonCode);
    }

    [Fact]
    public async Task At_start_accounts_without_a_device_are_removed_and_devices_without_an_account_are_reported_in_one_line()
    {
        await using var broker = await MosquittoBroker.StartWithDynamicSecurityAsync(Admin, AdminPassword);
        if (broker is null)
        {
            Assert.False(Environment.GetEnvironmentVariable("CI") == "true", "CI must have mosquitto with its dynamic-security plugin");
            Assert.Skip("mosquitto or its dynamic-security plugin is not installed; provisioning not tested");
        }
        var data = Directory.CreateTempSubdirectory("smartapi-test-").FullName;
        try
        {
            // Before provisioning is turned on: two devices without accounts.
            DeviceResponse orphan, kept;
            await using (var before = await SmartApiApplication.StartAsync(dataDirectory: data))
            {
                orphan = await SmartApiApplication.CreateDeviceAsync(before.Admin);
                kept = await SmartApiApplication.CreateDeviceAsync(before.Admin);
            }
            // At the broker: an account of the server's naming for one of them and for a device that is gone, a
            // role left alone, and an operator's client of another naming.
            var seeded = await ControlAsync(broker.Address, $$"""
                {"commands":[
                {"command":"createRole","rolename":"smartapi-device-{{kept.Serial}}","acls":[{"acltype":"publishClientSend","topic":"devices/{{kept.Serial}}/#","allow":true}]},
                {"command":"createClient","username":"{{kept.Serial}}","password":"{{kept.Credentials!.MqttPassword}}","clientid":"{{kept.Serial}}","roles":[{"rolename":"smartapi-device-{{kept.Serial}}"}]},
                {"command":"createRole","rolename":"smartapi-device-DT31-GONE-1"},
                {"command":"createClient","username":"DT31-GONE-1","password":"gone-password","roles":[{"rolename":"smartapi-device-DT31-GONE-1"}]},
                {"command":"createRole","rolename":"smartapi-device-DT31-GONE-2"},
                {"command":"createClient","username":"operator-tool","password":"operator-password"}]}
                """);
            using var logs = new LogLines();

            await using var app = await SmartApiApplication.StartAsync(Settings(broker.Address), dataDirectory: data, configure: b => b.Logging.AddProvider(logs));
            var store = app.Services.GetRequiredService<ISmartApiStore>();
            // The reconcile queues its deletes before it reports; then they are applied like any job.
            var warnings = await UntilAsync(() => Task.FromResult(logs.Of(LogEvents.BrokerDevicesWithoutAccount)), lines => lines.Count > 0, 20_000);
            await AppliedAsync(store);
            var listed = await ListAsync(broker.Address);
            var gone = await RefusalAsync(broker.Address, "DT31-GONE-1", "gone-password");
            using var survivor = await ConnectAsync(broker.Address, kept.Serial, kept.Credentials.MqttPassword);
            // The fix the line names.
            var rotated = await (await app.Admin.PostAsync($"/v1/devices/{orphan.Id}/rotate-credentials", null, Ct)).ReadAsync(SmartApiJsonContext.Default.DeviceCredentials);
            await AppliedAsync(store);
            using var fixedOrphan = await ConnectAsync(broker.Address, orphan.Serial, rotated.MqttPassword);

            Assert.DoesNotContain("error", seeded, StringComparison.Ordinal);
            Assert.Contains("NotAuthorized", gone);
            Assert.DoesNotContain("DT31-GONE-1", listed, StringComparison.Ordinal);
            Assert.DoesNotContain("DT31-GONE-2", listed, StringComparison.Ordinal);
            Assert.Contains("\"operator-tool\"", listed, StringComparison.Ordinal);
            Assert.Contains($"\"smartapi-device-{kept.Serial}\"", listed, StringComparison.Ordinal);
            Assert.True(survivor.IsConnected);
            var warning = Assert.Single(warnings);
            Assert.StartsWith("1 devices have no account at the broker", warning, StringComparison.Ordinal);
            Assert.EndsWith("rotate their credentials: POST /v1/devices/{id}/rotate-credentials", warning, StringComparison.Ordinal);
            Assert.True(fixedOrphan.IsConnected);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task A_device_created_while_the_broker_is_down_is_created_and_its_account_job_waits_for_a_retry()
    {
        var down = new Uri($"mqtt://127.0.0.1:{FreePort()}");
        await using var app = await SmartApiApplication.StartAsync(Settings(down));
        var store = app.Services.GetRequiredService<ISmartApiStore>();

        var created = await app.Admin.PostAsJsonAsync("/v1/devices", new CreateDeviceRequest("DT31-DOWN-1", "Down"), SmartApiJsonContext.Default.CreateDeviceRequest, Ct);
        var job = Assert.Single(await UntilAsync(() => store.ListBrokerAccountJobsAsync(10, Ct), jobs => jobs.Count == 1 && jobs[0].Attempts > 0));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(("DT31-DOWN-1", BrokerAccountAction.Upsert), (job.Serial, job.Action));
        Assert.NotNull(job.LastError);
        Assert.DoesNotContain((await created.ReadAsync(SmartApiJsonContext.Default.DeviceResponse)).Credentials!.MqttPassword,
            System.Text.Encoding.UTF8.GetString(job.Secret!));
    }

    [Fact]
    public async Task Provisioning_without_an_external_broker_stops_the_start_with_one_line_naming_the_key()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => SmartApiApplication.StartAsync(new Dictionary<string, string?>
        {
            ["SmartApi:Mqtt:Provisioning"] = "MosquittoDynamicSecurity",
        }));
        var unknown = await Assert.ThrowsAnyAsync<Exception>(() => SmartApiApplication.StartAsync(new Dictionary<string, string?>
        {
            ["SmartApi:Mqtt:Provisioning"] = "Emqx",
        }));

        Assert.Contains("SmartApi:Mqtt:Provisioning: MosquittoDynamicSecurity needs SmartApi:Mqtt:ExternalBroker", failure.Message);
        Assert.Contains("SmartApi:Mqtt:Provisioning: 'Emqx' is not a provisioning mode", unknown.Message);
    }

    /// <summary>Until no account job is pending: every create, rotation and delete so far has reached the broker.</summary>
    private static Task<IReadOnlyList<BrokerAccountJob>> AppliedAsync(ISmartApiStore store) =>
        UntilAsync(() => store.ListBrokerAccountJobsAsync(10, Ct), jobs => jobs.Count == 0, 20_000);

    /// <summary>The broker's clients and roles, as the plugin lists them (JSON text).</summary>
    private static Task<string> ListAsync(Uri broker)
    {
        var correlation = "test-" + Guid.NewGuid().ToString("N");
        return ControlAsync(broker, $$"""
            {"commands":[{"command":"listClients","correlationData":"{{correlation}}"},{"command":"listRoles","correlationData":"{{correlation}}"}]}
            """, correlation);
    }

    /// <summary>
    /// One dynamic-security command list sent as the broker's admin; the plugin's answer as JSON text (the first
    /// answer containing <paramref name="marker"/>: a server's answers go to the same topic).
    /// </summary>
    private static async Task<string> ControlAsync(Uri broker, string commands, string? marker = null)
    {
        using var admin = new MqttClientFactory().CreateMqttClient();
        var answer = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        admin.ApplicationMessageReceivedAsync += e =>
        {
            var text = e.ApplicationMessage.ConvertPayloadToString();
            if (marker is null || text.Contains(marker, StringComparison.Ordinal))
            {
                answer.TrySetResult(text);
            }
            return Task.CompletedTask;
        };
        // A client id per call and a clean disconnect: polled calls never take over each other's session.
        await admin.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(broker.Host, broker.Port).WithClientId("test-admin-" + Guid.NewGuid().ToString("N")[..8])
            .WithCredentials(Admin, AdminPassword).WithProtocolVersion(MqttProtocolVersion.V500).WithTimeout(TimeSpan.FromSeconds(10)).Build(), Ct);
        await admin.SubscribeAsync("$CONTROL/dynamic-security/v1/response", MqttQualityOfServiceLevel.AtLeastOnce, Ct);
        await admin.PublishStringAsync("$CONTROL/dynamic-security/v1", commands, MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken: Ct);
        var text = await answer.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        await admin.DisconnectAsync(cancellationToken: Ct);
        return text;
    }

    private static MqttClientOptions Options(Uri broker, string serial, string password) => new MqttClientOptionsBuilder()
        .WithTcpServer(broker.Host, broker.Port).WithClientId(serial).WithCredentials(serial, password)
        .WithProtocolVersion(MqttProtocolVersion.V500).WithTimeout(TimeSpan.FromSeconds(10)).Build();

    private static async Task<IMqttClient> ConnectAsync(Uri broker, string serial, string password)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(Options(broker, serial, password), Ct);
        return client;
    }

    /// <summary>The broker's answer to a connect: its result code, or the refusal's message (MQTTnet throws on a refusal).</summary>
    private static async Task<string> RefusalAsync(Uri broker, string serial, string password)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        try
        {
            return (await client.ConnectAsync(Options(broker, serial, password), Ct)).ResultCode.ToString();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return ex.Message + " " + ex.InnerException?.Message;
        }
    }

    /// <summary>The server's log lines by event id (the test host logs warnings and above).</summary>
    private sealed class LogLines : ILoggerProvider
    {
        private readonly ConcurrentQueue<(int Id, string Message)> _lines = new();

        public IReadOnlyList<string> Of(int eventId) => [.. _lines.Where(l => l.Id == eventId).Select(l => l.Message)];

        public ILogger CreateLogger(string categoryName) => new Logger(_lines);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<(int Id, string Message)> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue((eventId.Id, formatter(state, exception)));
        }
    }
}
