using System.Threading.Channels;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;
using SmartApi.Contracts;
using SmartApi.Server.Infrastructure;

namespace SmartApi.Server.Mqtt;

/// <summary>
/// External broker mode (<c>SmartApi:Mqtt:ExternalBroker</c>): the server is a client of Mosquitto,
/// EMQX or similar, subscribed through shared subscriptions (<c>$share/{group}/devices/+/...</c>)
/// so every node gets a share of the devices' messages. The broker authenticates devices and
/// enforces their ACL; presence comes from each device's retained <c>status</c> topic and its last
/// will. The connection is re-established with backoff whenever it drops.
/// </summary>
internal sealed partial class ExternalBroker(
    DeviceDirectory directory,
    DeviceMessageHandler handler,
    TimeProvider time,
    IOptions<MqttOptions> options,
    ILogger<ExternalBroker> logger) : MqttTransport, IDisposable
{
    // Messages are handled by a few workers, each owning a share of the serials, so one device's
    // messages stay in order while different devices' are stored in parallel.
    private const int Workers = 16;
    private static readonly string[] Kinds = [DeviceTopics.Telemetry, DeviceTopics.State, DeviceTopics.Events, DeviceTopics.Status];
    private static readonly string[] Retained = [DeviceTopics.State, DeviceTopics.Status, DeviceTopics.Config];
    private readonly Channel<MqttApplicationMessageReceivedEventArgs>[] _lanes =
        [.. Enumerable.Range(0, Workers).Select(_ => Channel.CreateBounded<MqttApplicationMessageReceivedEventArgs>(1024))];
    private readonly CancellationTokenSource _stopping = new();
    private IMqttClient? _client;
    private Task _run = Task.CompletedTask;

    public override bool CanPublish => _client?.IsConnected == true;

    public override IReadOnlyCollection<string>? ListeningDevices => null;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += ReceivedAsync;
        _client = client;
        var workers = _lanes.Select(lane => Task.Run(() => WorkAsync(lane.Reader), CancellationToken.None)).ToArray();
        _run = Task.WhenAll([KeepConnectedAsync(client, _stopping.Token), .. workers]);
        return Task.CompletedTask;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        foreach (var lane in _lanes)
        {
            lane.Writer.TryComplete();
        }
        if (_client is { } client)
        {
            await client.TryDisconnectAsync();
        }
        await _run.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public void Dispose()
    {
        _client?.Dispose();
        _stopping.Dispose();
    }

    public override async Task<bool> PublishAsync(string topic, byte[] payload, bool retain, CancellationToken cancellationToken)
    {
        if (_client is not { IsConnected: true } client)
        {
            return false;
        }
        try
        {
            var message = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithRetainFlag(retain).Build();
            return (await client.PublishAsync(message, cancellationToken)).IsSuccess;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// Clears what the broker may keep retained for the serial (the device's state and status, the
    /// server's config). Its broker account goes with provisioning (ADR 040) or the broker's HTTP
    /// hook; with a password file it is the operator's job (docs/mqtt.md).
    /// </summary>
    public override async Task RemoveDeviceAsync(string serial, CancellationToken cancellationToken)
    {
        foreach (var kind in Retained)
        {
            if (!await PublishAsync(DeviceTopics.For(serial, kind), [], retain: true, cancellationToken))
            {
                throw new InvalidOperationException($"The external broker did not take the clearing of devices/{serial}/{kind}.");
            }
        }
    }

    private async Task KeepConnectedAsync(IMqttClient client, CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var uri = new Uri(settings.ExternalBroker!);
        var clientOptions = settings.BrokerClientOptions("").WithKeepAlivePeriod(TimeSpan.FromSeconds(15)).Build();
        var backoff = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            if (!client.IsConnected)
            {
                try
                {
                    await client.ConnectAsync(clientOptions, stoppingToken);
                    var subscribe = new MqttClientSubscribeOptionsBuilder();
                    foreach (var kind in Kinds)
                    {
                        subscribe = subscribe.WithTopicFilter($"$share/{settings.SharedGroup}/{DeviceTopics.Root}+/{kind}", MqttQualityOfServiceLevel.AtLeastOnce);
                    }
                    await client.SubscribeAsync(subscribe.Build(), stoppingToken);
                    backoff = TimeSpan.FromSeconds(1);
                    Log.Connected(logger, uri.Authority);
                    OnDeviceListening();
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    Log.Disconnected(logger, uri.Authority, backoff, ex);
                    await Task.Delay(backoff, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
                    continue;
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private Task ReceivedAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        // Acknowledged by the worker once handled, so a crash before that means redelivery.
        e.AutoAcknowledge = false;
        var topic = e.ApplicationMessage.Topic;
        var lane = _lanes[(int)((uint)StringComparer.Ordinal.GetHashCode(topic.Length > 8 ? topic[8..topic.LastIndexOf('/')] : topic) % Workers)];
        return lane.Writer.WriteAsync(e, _stopping.Token).AsTask();
    }

    private async Task WorkAsync(ChannelReader<MqttApplicationMessageReceivedEventArgs> reader)
    {
        await foreach (var e in reader.ReadAllAsync(CancellationToken.None))
        {
            try
            {
                if (DeviceTopics.TryParse(e.ApplicationMessage.Topic, out var serial, out var kind)
                    && await directory.ResolveAsync(serial, CancellationToken.None) is { } device)
                {
                    await handler.HandleAsync(device, kind, e.ApplicationMessage.Payload, trackSession: false, CancellationToken.None);
                }
                await e.AcknowledgeAsync(CancellationToken.None);
            }
            catch (Exception ex)
            {
                Log.Disconnected(logger, e.ApplicationMessage.Topic, TimeSpan.Zero, ex);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEvents.MqttExternalConnected, Level = LogLevel.Information, Message = "Connected to the external MQTT broker {Broker}")]
        public static partial void Connected(ILogger logger, string broker);

        [LoggerMessage(EventId = LogEvents.MqttExternalDisconnected, Level = LogLevel.Warning, Message = "External MQTT broker {Broker} unavailable; retrying in {Delay}")]
        public static partial void Disconnected(ILogger logger, string broker, TimeSpan delay, Exception exception);
    }
}
