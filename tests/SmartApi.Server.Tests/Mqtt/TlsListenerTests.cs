using MQTTnet;
using MQTTnet.Formatter;
using SmartApi.Contracts;
using static SmartApi.Server.Tests.Mqtt.MqttTestKit;

namespace SmartApi.Server.Tests.Mqtt;

public sealed class TlsListenerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_device_connects_over_the_tls_listener_with_the_configured_certificate()
    {
        var directory = Directory.CreateTempSubdirectory("smartapi-tls-").FullName;
        var certificatePath = await CreateCertificateAsync(directory, "pfx-secret");
        var tlsPort = FreePort();
        await using var app = await StartAsync(FreePort(), settings: new Dictionary<string, string?>
        {
            ["SmartApi:Mqtt:TlsPort"] = tlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["SmartApi:Mqtt:CertificatePath"] = certificatePath,
            ["SmartApi:Mqtt:CertificatePassword"] = "pfx-secret",
        });
        var (created, password) = await CreateDeviceAsync(app.Admin);
        string? presented = null;
        using var client = new MqttClientFactory().CreateMqttClient();

        var result = await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", tlsPort)
            .WithClientId(created.Serial)
            .WithCredentials(created.Serial, password)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithTlsOptions(o => o.UseTls().WithCertificateValidationHandler(e =>
            {
                presented = e.Certificate.Subject;
                return true; // self-signed for the test; devices pin or trust the real chain
            }))
            .Build(), Ct);
        var published = await client.PublishStringAsync(DeviceTopics.For(created.Serial, DeviceTopics.Telemetry), """{"powerW":7}""",
            MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken: Ct);
        await client.DisconnectAsync(cancellationToken: Ct);

        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        Assert.Equal("CN=localhost", presented);
        Assert.True(published.IsSuccess);
        Assert.Equal(7, (await GetDeviceAsync(app.Admin, created.Id)).Measurement!.PowerW);
        Directory.Delete(directory, recursive: true);
    }
}
