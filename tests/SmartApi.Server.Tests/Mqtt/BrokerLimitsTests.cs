using System.Diagnostics;
using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using SmartApi.Contracts;
using SmartApi.Server.Mqtt;
using static SmartApi.Server.Tests.Mqtt.MqttTestKit;

namespace SmartApi.Server.Tests.Mqtt;

/// <summary>The embedded broker with a TLS port and a short connect timeout, for the socket-level limits.</summary>
public sealed class BrokerLimitsFixture : IAsyncLifetime
{
    public const string CertificatePassword = "pfx-secret";
    private readonly string _directory = Directory.CreateTempSubdirectory("smartapi-limits-").FullName;

    public int Port { get; } = FreePort();
    public int TlsPort { get; } = FreePort();
    public SmartApiApplication App { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var certificate = await CreateCertificateAsync(_directory, CertificatePassword);
        App = await StartAsync(Port, settings: new Dictionary<string, string?>
        {
            ["SmartApi:Mqtt:TlsPort"] = TlsPort.ToString(CultureInfo.InvariantCulture),
            ["SmartApi:Mqtt:CertificatePath"] = certificate,
            ["SmartApi:Mqtt:CertificatePassword"] = CertificatePassword,
            ["SmartApi:Mqtt:ConnectTimeout"] = "00:00:02",
            // A device cut off here is offline at once (the silent-device test), not after 30 s.
            ["SmartApi:Mqtt:OfflineGracePeriod"] = "00:00:00",
        });
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}

public sealed class BrokerLimitsTests(BrokerLimitsFixture fixture) : IClassFixture<BrokerLimitsFixture>
{
    private const int Announced = 250 * 1024 * 1024;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_connect_announcing_250_MB_is_closed_before_its_body_is_read(bool tls)
    {
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        using var socket = new TcpClient();
        await socket.ConnectAsync("127.0.0.1", tls ? fixture.TlsPort : fixture.Port, Ct);
        await using var stream = await OpenAsync(socket, tls);

        // A CONNECT fixed header announcing 250 MB, then as much of the body as the server takes.
        var clock = Stopwatch.StartNew();
        await stream.WriteAsync(FixedHeader(0x10, Announced), Ct);
        var (closed, sent) = await StreamUntilClosedAsync(stream, maxBytes: 32 * 1024 * 1024, TimeSpan.FromSeconds(5));
        var heapGrowth = GC.GetTotalMemory(forceFullCollection: true) - heapBefore;

        Assert.True(closed, $"the server kept reading: {sent:N0} bytes sent in {clock.Elapsed}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"closed after {clock.Elapsed}");
        Assert.True(sent < 32 * 1024 * 1024, $"{sent:N0} bytes were taken");
        // The announced size would be 250 MB; what is left is other tests' noise at most.
        Assert.True(heapGrowth < 64 * 1024 * 1024, $"the heap grew by {heapGrowth:N0} bytes");
        await MetricAtLeastAsync("packet_too_large", 1);
    }

    [Fact]
    public async Task An_authenticated_device_sending_a_packet_over_the_limit_is_disconnected_and_others_keep_publishing()
    {
        var (first, firstPassword) = await CreateDeviceAsync(fixture.App.Admin);
        var (second, secondPassword) = await CreateDeviceAsync(fixture.App.Admin);
        await using var noisy = await ConnectAsync(fixture.Port, first.Serial, firstPassword, subscribe: false);
        await using var quiet = await ConnectAsync(fixture.Port, second.Serial, secondPassword, subscribe: false);

        // 16 KiB of payload (the payload limit) fits; 20 KiB does not.
        var fits = await noisy.PublishAsync(DeviceTopics.Events, Padded("""{"type":"button","pressType":"single"}""", 16 * 1024));
        Assert.True(noisy.Client.IsConnected);
        await Assert.ThrowsAnyAsync<Exception>(() => noisy.PublishAsync(DeviceTopics.Events, Padded("""{"type":"button","pressType":"double"}""", 20 * 1024)));
        await UntilAsync(() => Task.FromResult(noisy.Client.IsConnected), connected => !connected);
        var after = await quiet.TelemetryAsync(42, DateTimeOffset.UtcNow);

        Assert.True(fits.IsSuccess, fits.ReasonCode.ToString());
        Assert.True(after.IsSuccess);
        Assert.Equal(42, (await GetDeviceAsync(fixture.App.Admin, second.Id)).Measurement!.PowerW);
        Assert.DoesNotContain(await EventsAsync(fixture.App.Admin, first.Id, "device.button_pressed"), e => e.Data.GetProperty("pressType").GetString() == "double");
        await MetricAtLeastAsync("packet_too_large", 1);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public async Task A_connection_that_never_completes_its_connect_is_closed_after_the_connect_timeout(bool tls, bool halfConnect)
    {
        using var socket = new TcpClient();
        await socket.ConnectAsync("127.0.0.1", tls ? fixture.TlsPort : fixture.Port, Ct);
        var clock = Stopwatch.StartNew();
        Stream stream = socket.GetStream();
        if (halfConnect)
        {
            // A CONNECT announcing 32 bytes, of which only the protocol name and level come.
            await stream.WriteAsync(new byte[] { 0x10, 32, 0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 5 }, Ct);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        var closed = await ClosedByServerAsync(stream, timeout.Token);

        Assert.True(closed, "still open after 15 s");
        // SmartApi:Mqtt:ConnectTimeout is 2 s here (MQTTnet's own default was 100 s).
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(12));
        await MetricAtLeastAsync("connect_timeout", 1);
    }

    [Fact]
    public async Task A_device_that_falls_silent_is_cut_off_after_its_keep_alive_and_shown_offline()
    {
        var (device, password) = await CreateDeviceAsync(fixture.App.Admin);
        using var socket = new TcpClient();
        await socket.ConnectAsync("127.0.0.1", fixture.Port, Ct);
        var stream = socket.GetStream();

        // MQTT 3.1.1 CONNECT with a keep-alive of 1 s, then silence: no PINGREQ ever follows.
        await stream.WriteAsync(Connect(device.Serial, device.Serial, password, keepAliveSeconds: 1), Ct);
        var connack = new byte[4];
        await stream.ReadExactlyAsync(connack, Ct);
        Assert.Equal(new byte[] { 0x20, 2, 0, 0 }, connack);
        await UntilAsync(() => GetDeviceAsync(fixture.App.Admin, device.Id), d => d.Online);
        var clock = Stopwatch.StartNew();

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        var closed = await ClosedByServerAsync(stream, timeout.Token);

        Assert.True(closed, "still open after 15 s");
        // 1.5 keep-alive periods, found by the once-a-second scan: between 1.5 and about 2.5 s (slack for a loaded host).
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.4), TimeSpan.FromSeconds(10));
        await EventAsync(fixture.App.Admin, device.Id, "device.offline");
        Assert.False((await GetDeviceAsync(fixture.App.Admin, device.Id)).Online);
    }

    private static byte[] Connect(string clientId, string username, string password, ushort keepAliveSeconds)
    {
        var body = new List<byte> { 0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 4, 0b1100_0010, (byte)(keepAliveSeconds >> 8), (byte)keepAliveSeconds };
        foreach (var field in new[] { clientId, username, password })
        {
            var bytes = Encoding.UTF8.GetBytes(field);
            body.AddRange([(byte)(bytes.Length >> 8), (byte)bytes.Length, .. bytes]);
        }
        return [.. FixedHeader(0x10, body.Count), .. body];
    }

    private static async Task<Stream> OpenAsync(TcpClient socket, bool tls)
    {
        if (!tls)
        {
            return socket.GetStream();
        }
        var ssl = new SslStream(socket.GetStream(), leaveInnerStreamOpen: false, (_, certificate, _, _) => certificate?.Subject == "CN=localhost"); // the test's self-signed one
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" }, Ct);
        return ssl;
    }

    private static byte[] FixedHeader(byte type, int remaining)
    {
        var bytes = new List<byte> { type };
        do
        {
            var next = (byte)(remaining % 128);
            remaining /= 128;
            bytes.Add(remaining > 0 ? (byte)(next | 0x80) : next);
        }
        while (remaining > 0);
        return [.. bytes];
    }

    /// <summary>Writes zeros until the server closes (true) or <paramref name="maxBytes"/> or the time are used up.</summary>
    private static async Task<(bool Closed, long Sent)> StreamUntilClosedAsync(Stream stream, long maxBytes, TimeSpan within)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(within);
        var chunk = new byte[64 * 1024];
        long sent = 0;
        try
        {
            while (sent < maxBytes)
            {
                await stream.WriteAsync(chunk, timeout.Token);
                sent += chunk.Length;
            }
            return (await ClosedByServerAsync(stream, timeout.Token), sent);
        }
        catch (IOException)
        {
            return (true, sent);
        }
        catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
        {
            return (false, sent);
        }
    }

    /// <summary>True when a read ends (end of stream or reset) before the token fires; nothing is ever expected from the server.</summary>
    private static async Task<bool> ClosedByServerAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[256];
        try
        {
            while (await stream.ReadAsync(buffer, cancellationToken) > 0)
            {
            }
            return true;
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
        {
            return false;
        }
    }

    private static string Padded(string json, int length) => json + new string(' ', length - Encoding.UTF8.GetByteCount(json));

    private async Task MetricAtLeastAsync(string reason, long count) =>
        await UntilAsync(() => RefusedAsync(fixture.App, reason), value => value >= count);

    /// <summary>
    /// This host's refusals for <paramref name="reason"/>, as counted beside
    /// <c>smartapi_mqtt_refused_total{reason}</c>. Not scraped from <c>/metrics</c>: the test hosts of
    /// this process share the meter's name, and a later host's exporter may not see its own instrument.
    /// </summary>
    internal static Task<long> RefusedAsync(SmartApiApplication app, string reason) =>
        Task.FromResult(app.Services.GetRequiredService<GatewayMetrics>().RefusedTotal(reason));
}

/// <summary>The per-device message rate on a frozen clock: what passes is exactly the burst, plus what time refills.</summary>
public sealed class MessageRateTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly int _port = FreePort();
    private SmartApiApplication _app = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _app = await StartAsync(_port, _time, new Dictionary<string, string?>
    {
        ["SmartApi:Mqtt:MessageRate"] = "2",
        ["SmartApi:Mqtt:MessageBurst"] = "5",
    });

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_device_flooding_above_its_rate_gets_quota_exceeded_and_a_quiet_device_is_unaffected()
    {
        var (noisy, noisyPassword) = await CreateDeviceAsync(_app.Admin);
        var (quiet, quietPassword) = await CreateDeviceAsync(_app.Admin);
        await using var flooding = await ConnectAsync(_port, noisy.Serial, noisyPassword, subscribe: false);
        await using var calm = await ConnectAsync(_port, quiet.Serial, quietPassword, subscribe: false);
        var refusedBefore = await BrokerLimitsTests.RefusedAsync(_app, "rate");

        var flood = new List<MqttClientPublishReasonCode>();
        for (var i = 0; i < 20; i++)
        {
            flood.Add((await flooding.PublishAsync(DeviceTopics.Events, """{"type":"button","pressType":"single"}""")).ReasonCode);
        }
        var calmResults = new List<MqttClientPublishReasonCode>();
        for (var i = 0; i < 3; i++)
        {
            calmResults.Add((await calm.PublishAsync(DeviceTopics.Events, """{"type":"button","pressType":"long"}""")).ReasonCode);
        }
        // Two seconds refill four tokens at 2/s.
        _time.Advance(TimeSpan.FromSeconds(2));
        var refilled = new List<MqttClientPublishReasonCode>();
        for (var i = 0; i < 5; i++)
        {
            refilled.Add((await flooding.PublishAsync(DeviceTopics.Events, """{"type":"button","pressType":"double"}""")).ReasonCode);
        }

        Assert.Equal([.. Enumerable.Repeat(MqttClientPublishReasonCode.Success, 5), .. Enumerable.Repeat(MqttClientPublishReasonCode.QuotaExceeded, 15)], flood);
        Assert.All(calmResults, code => Assert.Equal(MqttClientPublishReasonCode.Success, code));
        Assert.Equal([.. Enumerable.Repeat(MqttClientPublishReasonCode.Success, 4), MqttClientPublishReasonCode.QuotaExceeded], refilled);
        Assert.True(flooding.Client.IsConnected);
        // Only what was accepted was ingested.
        Assert.Equal(9, (await UntilAsync(() => EventsAsync(_app.Admin, noisy.Id, "device.button_pressed"), events => events.Count >= 9)).Count);
        Assert.Equal(3, (await EventsAsync(_app.Admin, quiet.Id, "device.button_pressed")).Count);
        await UntilAsync(() => BrokerLimitsTests.RefusedAsync(_app, "rate"), value => value >= refusedBefore + 16);
    }

    [Fact]
    public async Task An_organizations_own_device_rate_replaces_the_configured_one_with_the_burst_scaled_alike()
    {
        var (device, password) = await CreateDeviceAsync(_app.Admin);
        // 1/s for this organization; the configured 2/s with a burst of 5 scales to a burst of 3.
        var patch = await _app.Admin.PatchAsync($"/v1/organizations/{device.OrganizationId}",
            new StringContent("""{"limits":{"deviceMessagesPerSecond":1}}""", System.Text.Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(System.Net.HttpStatusCode.OK, patch.StatusCode);
        await using var client = await ConnectAsync(_port, device.Serial, password, subscribe: false);

        var results = new List<MqttClientPublishReasonCode>();
        for (var i = 0; i < 6; i++)
        {
            results.Add((await client.PublishAsync(DeviceTopics.Events, """{"type":"button","pressType":"single"}""")).ReasonCode);
        }

        Assert.Equal([.. Enumerable.Repeat(MqttClientPublishReasonCode.Success, 3), .. Enumerable.Repeat(MqttClientPublishReasonCode.QuotaExceeded, 3)], results);
    }

    [Fact]
    public async Task Reconnecting_does_not_refill_the_bucket_and_an_mqtt_311_device_over_its_rate_is_disconnected_unacknowledged()
    {
        var (device, password) = await CreateDeviceAsync(_app.Admin);
        await using (var first = await ConnectAsync(_port, device.Serial, password, subscribe: false))
        {
            for (var i = 0; i < 5; i++)
            {
                Assert.True((await first.PublishAsync(DeviceTopics.Events, """{"type":"button","pressType":"single"}""")).IsSuccess);
            }
        }

        using var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", _port)
            .WithClientId(device.Serial)
            .WithCredentials(device.Serial, password)
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithTimeout(TimeSpan.FromSeconds(10))
            .Build(), Ct);
        // QoS 0 over the rate is dropped, the connection stays; QoS 1 cannot be refused in 3.1.1, so the connection closes.
        await client.PublishStringAsync(DeviceTopics.For(device.Serial, DeviceTopics.Events), """{"type":"button","pressType":"long"}""",
            MqttQualityOfServiceLevel.AtMostOnce, cancellationToken: Ct);
        Assert.True(client.IsConnected);
        await Assert.ThrowsAnyAsync<Exception>(() => client.PublishStringAsync(DeviceTopics.For(device.Serial, DeviceTopics.Events),
            """{"type":"button","pressType":"double"}""", MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken: Ct));
        await UntilAsync(() => Task.FromResult(client.IsConnected), connected => !connected);

        var pressed = await EventsAsync(_app.Admin, device.Id, "device.button_pressed");
        Assert.Equal(5, pressed.Count);
        Assert.All(pressed, e => Assert.Equal("single", e.Data.GetProperty("pressType").GetString()));
    }
}
