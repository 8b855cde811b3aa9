using System.Text.Json;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using SmartApi.Contracts;

namespace SmartApi.Simulator;

/// <summary>
/// One virtual DT31: an MQTT client that reports telemetry with an energy counter, obeys switch
/// commands (answering with its state and the command id), applies its retained config, presses
/// its button and trips on overload now and then, and reconnects whenever the broker goes away.
/// </summary>
public sealed class SimulatedDevice : IAsyncDisposable
{
    private readonly SimulatedDeviceCredentials _credentials;
    private readonly SimulatorOptions _options;
    private readonly IMqttClient _client;
    private readonly Random _random;
    private readonly TimeSpan _phase;
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _reconnecting = new(1, 1);
    private DateTimeOffset _lastSample;
    private long _commands;
    private long _telemetry;

    internal SimulatedDevice(SimulatedDeviceCredentials credentials, LoadProfile profile, SimulatorOptions options, Random random)
    {
        _credentials = credentials;
        _options = options;
        _random = random;
        _phase = TimeSpan.FromSeconds(random.Next(0, 4 * 3600));
        Profile = profile;
        _client = new MqttClientFactory().CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
        _client.DisconnectedAsync += OnDisconnectedAsync;
    }

    /// <summary>The device's serial (its MQTT user name).</summary>
    public string Serial => _credentials.Serial;

    /// <summary>The appliance it powers.</summary>
    public LoadProfile Profile { get; }

    /// <summary>Whether the relay is on.</summary>
    public bool IsOn { get; private set; } = true;

    /// <summary>The device's energy counter in Wh.</summary>
    public double EnergyWh { get; private set; }

    /// <summary>The setting received on <c>devices/{serial}/config</c>.</summary>
    public string PowerOnState { get; private set; } = "last";

    /// <summary>Whether the MQTT session is up.</summary>
    public bool IsConnected => _client.IsConnected;

    /// <summary>Telemetry samples sent.</summary>
    public long TelemetrySent => Interlocked.Read(ref _telemetry);

    /// <summary>Commands carried out.</summary>
    public long CommandsHandled => Interlocked.Read(ref _commands);

    private string Topic(string kind) => DeviceTopics.For(Serial, kind);

    internal async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(_options.Broker.Host, _options.Broker.IsDefaultPort || _options.Broker.Port <= 0 ? 1883 : _options.Broker.Port)
            .WithClientId(Serial)
            .WithCredentials(Serial, _credentials.Password)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(30))
            .WithCleanStart(true);
        if (_options.AnnouncePresence)
        {
            builder = builder.WithWillTopic(Topic(DeviceTopics.Status)).WithWillPayload("offline").WithWillRetain(true)
                .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        }
        if (_options.Broker.Scheme == "mqtts")
        {
            builder = builder.WithTlsOptions(o => o.UseTls());
        }
        await _client.ConnectAsync(builder.Build(), cancellationToken);
        await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(Topic(DeviceTopics.Commands), MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(Topic(DeviceTopics.Config), MqttQualityOfServiceLevel.AtLeastOnce)
            .Build(), cancellationToken);
        if (_options.AnnouncePresence)
        {
            await _client.PublishStringAsync(Topic(DeviceTopics.Status), "online", MqttQualityOfServiceLevel.AtLeastOnce, retain: true, cancellationToken);
        }
        await PublishStateAsync(null, null, cancellationToken);
    }

    /// <summary>Sends one telemetry sample (and, by chance, a button press or an overload).</summary>
    public async Task TickAsync(CancellationToken cancellationToken)
    {
        if (!_client.IsConnected)
        {
            return;
        }
        var now = _options.Time.GetUtcNow();
        var power = IsOn ? Math.Max(0, LoadProfiles.PowerAt(Profile, now, _phase, _random)) : 0;
        if (_lastSample != default)
        {
            EnergyWh += power * (now - _lastSample).TotalHours;
        }
        _lastSample = now;
        var voltage = 230 + (_random.NextDouble() - 0.5) * 4;
        var telemetry = new DeviceTelemetry(now, Math.Round(power, 2), Math.Round(voltage, 1), Math.Round(power / voltage, 3),
            Math.Round(EnergyWh, 3), Math.Round(28 + power / 200 + _random.NextDouble(), 1));
        await PublishAsync(DeviceTopics.Telemetry, JsonSerializer.SerializeToUtf8Bytes(telemetry, DeviceProtocolJsonContext.Default.DeviceTelemetry),
            _options.TelemetryAtLeastOnce, retain: false, cancellationToken);
        Interlocked.Increment(ref _telemetry);

        var hours = _options.TelemetryInterval.TotalHours;
        if (_random.NextDouble() < _options.ButtonPressesPerHour * hours)
        {
            var press = _random.Next(10) switch { < 7 => "single", < 9 => "double", _ => "long" };
            await PublishEventAsync(new DeviceEventReport("button", PressType: press), cancellationToken);
            if (press == "single")
            {
                IsOn = !IsOn;
                await PublishStateAsync("button", null, cancellationToken);
            }
        }
        if (IsOn && _random.NextDouble() < _options.OverloadsPerDay * hours / 24)
        {
            await PublishEventAsync(new DeviceEventReport("overload", Kind: "overpower", Value: Math.Round(3700 + _random.NextDouble() * 400), Limit: 3680), cancellationToken);
            IsOn = false;
            await PublishStateAsync("protection", null, cancellationToken);
        }
    }

    private Task PublishEventAsync(DeviceEventReport report, CancellationToken cancellationToken) =>
        PublishAsync(DeviceTopics.Events, JsonSerializer.SerializeToUtf8Bytes(report, DeviceProtocolJsonContext.Default.DeviceEventReport), true, false, cancellationToken);

    private Task PublishStateAsync(string? source, string? commandId, CancellationToken cancellationToken) =>
        PublishAsync(DeviceTopics.State, JsonSerializer.SerializeToUtf8Bytes(new DeviceStateReport(IsOn ? "on" : "off", source, commandId),
            DeviceProtocolJsonContext.Default.DeviceStateReport), true, retain: true, cancellationToken);

    private async Task PublishAsync(string kind, byte[] payload, bool atLeastOnce, bool retain, CancellationToken cancellationToken)
    {
        try
        {
            await _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(Topic(kind)).WithPayload(payload)
                .WithQualityOfServiceLevel(atLeastOnce ? MqttQualityOfServiceLevel.AtLeastOnce : MqttQualityOfServiceLevel.AtMostOnce)
                .WithRetainFlag(retain).Build(), cancellationToken);
        }
        catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException)
        {
            // The session dropped mid-publish; the reconnect loop takes over and the sample is lost, as on a real device.
        }
    }

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var topic = e.ApplicationMessage.Topic;
        try
        {
            if (topic == Topic(DeviceTopics.Commands))
            {
                var reader = new Utf8JsonReader(e.ApplicationMessage.Payload);
                if (JsonSerializer.Deserialize(ref reader, DeviceProtocolJsonContext.Default.DeviceCommand) is { Action: "switch" } command)
                {
                    IsOn = command.State switch { "on" => true, "off" => false, _ => !IsOn };
                    Interlocked.Increment(ref _commands);
                    // Answered off the receive loop: a publish awaited inside it would wait on itself.
                    _ = PublishStateAsync(null, command.Id, _stopping.Token);
                }
            }
            else if (topic == Topic(DeviceTopics.Config))
            {
                var reader = new Utf8JsonReader(e.ApplicationMessage.Payload);
                if (JsonSerializer.Deserialize(ref reader, DeviceProtocolJsonContext.Default.DeviceConfig) is { } config)
                {
                    PowerOnState = config.PowerOnState;
                }
            }
        }
        catch (JsonException)
        {
            // A real device ignores what it cannot parse.
        }
        await Task.CompletedTask;
    }

    private async Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs e)
    {
        if (_stopping.IsCancellationRequested || !await _reconnecting.WaitAsync(0))
        {
            return;
        }
        _ = Task.Run(async () =>
        {
            try
            {
                var delay = TimeSpan.FromMilliseconds(500 + _random.Next(1000));
                while (!_stopping.IsCancellationRequested && !_client.IsConnected)
                {
                    await Task.Delay(delay, _options.Time, _stopping.Token);
                    try
                    {
                        await ConnectAsync(_stopping.Token);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 10_000) + _random.Next(500));
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                _reconnecting.Release();
            }
        });
        await Task.CompletedTask;
    }

    /// <summary>Disconnects cleanly (no last will) and stops reconnecting.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_client.IsConnected)
        {
            await _client.TryDisconnectAsync();
        }
        _client.Dispose();
        _stopping.Dispose();
        _reconnecting.Dispose();
    }
}
