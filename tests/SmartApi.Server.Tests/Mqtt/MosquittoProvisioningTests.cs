using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using SmartApi.Contracts;
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

    /// <summary>One dynamic-security command list sent as the broker's admin; the plugin's answer as JSON text.</summary>
    private static async Task<string> ControlAsync(Uri broker, string commands)
    {
        using var admin = new MqttClientFactory().CreateMqttClient();
        var answer = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        admin.ApplicationMessageReceivedAsync += e =>
        {
            answer.TrySetResult(e.ApplicationMessage.ConvertPayloadToString());
            return Task.CompletedTask;
        };
        await admin.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(broker.Host, broker.Port).WithClientId("test-admin")
            .WithCredentials(Admin, AdminPassword).WithProtocolVersion(MqttProtocolVersion.V500).Build(), Ct);
        await admin.SubscribeAsync("$CONTROL/dynamic-security/v1/response", MqttQualityOfServiceLevel.AtLeastOnce, Ct);
        await admin.PublishStringAsync("$CONTROL/dynamic-security/v1", commands, MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken: Ct);
        return await answer.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
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
}
