using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using SmartApi.Contracts;

namespace SmartApi.Server.Tests.Mqtt;

/// <summary>The server with its embedded broker on a free loopback port, and real MQTTnet device clients.</summary>
internal static class MqttTestKit
{
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A self-signed <c>CN=localhost</c> certificate as a .pfx in <paramref name="directory"/>, for the TLS listener.</summary>
    public static async Task<string> CreateCertificateAsync(string directory, string password)
    {
        var path = Path.Combine(directory, "broker.pfx");
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        await File.WriteAllBytesAsync(path, certificate.Export(X509ContentType.Pfx, password), TestContext.Current.CancellationToken);
        return path;
    }

    public static Task<SmartApiApplication> StartAsync(int port, FakeTimeProvider? time = null, IDictionary<string, string?>? settings = null, string? dataDirectory = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["SmartApi:Mqtt:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["SmartApi:Mqtt:BindAddress"] = "127.0.0.1",
            ["SmartApi:Webhooks:AllowPrivateNetworks"] = "true",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }
        return SmartApiApplication.StartAsync(all, dataDirectory, time is null ? null : builder => builder.Services.AddSingleton<TimeProvider>(time));
    }

    public static async Task<TestDevice> ConnectAsync(int port, string serial, string password, string? clientId = null, bool subscribe = true)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var device = new TestDevice(client, serial);
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId(clientId ?? serial)
            .WithCredentials(serial, password)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithTimeout(TimeSpan.FromSeconds(10))
            .Build();
        var result = await client.ConnectAsync(options, TestContext.Current.CancellationToken);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            client.Dispose();
            throw new InvalidOperationException($"refused: {result.ResultCode}");
        }
        if (subscribe)
        {
            await client.SubscribeAsync(DeviceTopics.For(serial, "#"), MqttQualityOfServiceLevel.AtLeastOnce, TestContext.Current.CancellationToken);
        }
        return device;
    }

    public static async Task<(DeviceResponse Device, string Password)> CreateDeviceAsync(HttpClient client)
    {
        var device = await SmartApiApplication.CreateDeviceAsync(client);
        return (device, device.Credentials!.MqttPassword);
    }

    /// <summary>Polls the event log until an event of <paramref name="type"/> for the device shows up.</summary>
    public static async Task<EventResponse> EventAsync(HttpClient client, string deviceId, string type, Func<EventResponse, bool>? where = null, int timeoutMs = 10_000)
    {
        var started = Environment.TickCount64;
        while (true)
        {
            var events = await EventsAsync(client, deviceId, type);
            if (events.FirstOrDefault(e => where?.Invoke(e) ?? true) is { } found)
            {
                return found;
            }
            if (Environment.TickCount64 - started > timeoutMs)
            {
                throw new TimeoutException($"no {type} event for {deviceId}");
            }
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    public static async Task<IReadOnlyList<EventResponse>> EventsAsync(HttpClient client, string deviceId, string? type = null)
    {
        var url = $"/v1/events?deviceId={deviceId}&limit=500" + (type is null ? "" : $"&types={type}");
        var page = await (await client.GetAsync(url, TestContext.Current.CancellationToken)).ReadAsync(SmartApiJsonContext.Default.PageEventResponse);
        return page.Data;
    }

    /// <summary>Waits until <paramref name="condition"/> holds (for effects of messages the broker already acknowledged).</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> condition, int timeoutMs = 10_000)
    {
        var started = Environment.TickCount64;
        while (true)
        {
            var value = await read();
            if (condition(value))
            {
                return value;
            }
            if (Environment.TickCount64 - started > timeoutMs)
            {
                throw new TimeoutException("condition not reached");
            }
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    public static async Task<DeviceResponse> GetDeviceAsync(HttpClient client, string id) =>
        await (await client.GetAsync($"/v1/devices/{id}", TestContext.Current.CancellationToken)).ReadAsync(SmartApiJsonContext.Default.DeviceResponse);
}

/// <summary>A device on the wire: publishes its reports and collects what the cloud sends it.</summary>
internal sealed class TestDevice : IAsyncDisposable
{
    private readonly Channel<MqttApplicationMessage> _received = Channel.CreateUnbounded<MqttApplicationMessage>();

    public TestDevice(IMqttClient client, string serial)
    {
        Client = client;
        Serial = serial;
        client.ApplicationMessageReceivedAsync += e =>
        {
            _received.Writer.TryWrite(e.ApplicationMessage);
            return Task.CompletedTask;
        };
    }

    public IMqttClient Client { get; }
    public string Serial { get; }

    public Task<MqttClientPublishResult> PublishAsync(string kind, string json, string? serial = null, bool retain = false) =>
        Client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(DeviceTopics.For(serial ?? Serial, kind))
            .WithPayload(Encoding.UTF8.GetBytes(json))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(retain)
            .Build(), TestContext.Current.CancellationToken);

    public Task<MqttClientPublishResult> TelemetryAsync(double powerW, DateTimeOffset ts, double? energyWh = null) =>
        PublishAsync(DeviceTopics.Telemetry, JsonSerializer.Serialize(new DeviceTelemetry(ts, powerW, 230, powerW / 230, energyWh), DeviceProtocolJsonContext.Default.DeviceTelemetry));

    /// <summary>The next message on <c>devices/{serial}/{kind}</c>.</summary>
    public async Task<string> NextAsync(string kind, int timeoutMs = 10_000)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(timeoutMs);
        while (true)
        {
            var message = await _received.Reader.ReadAsync(timeout.Token);
            if (message.Topic == DeviceTopics.For(Serial, kind))
            {
                return message.ConvertPayloadToString();
            }
        }
    }

    /// <summary>The next message on any topic, in the order the broker sent them.</summary>
    public async Task<MqttApplicationMessage> NextMessageAsync(int timeoutMs = 10_000)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(timeoutMs);
        return await _received.Reader.ReadAsync(timeout.Token);
    }

    public bool TryNext(string kind, out string payload)
    {
        payload = "";
        while (_received.Reader.TryRead(out var message))
        {
            if (message.Topic == DeviceTopics.For(Serial, kind))
            {
                payload = message.ConvertPayloadToString();
                return true;
            }
        }
        return false;
    }

    public async ValueTask DisposeAsync()
    {
        if (Client.IsConnected)
        {
            await Client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), CancellationToken.None);
        }
        Client.Dispose();
    }
}
