using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.AspNetCore;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using MQTTnet.Server;
using SmartApi.Contracts;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Mqtt;

/// <summary>
/// The embedded MQTT broker (MQTTnet.Server). Devices authenticate with serial and password
/// (client id = user name = serial); each may publish and subscribe only under its own
/// <c>devices/{serial}/</c>. Device messages are handled inside the broker's publish interceptor,
/// so a QoS 1 PUBACK follows only once the message is stored.
/// </summary>
internal sealed partial class EmbeddedBroker(
    DeviceDirectory directory,
    DeviceMessageHandler handler,
    DevicePresence presence,
    DeviceMessageRate rate,
    GatewayMetrics metrics,
    IOptions<MqttOptions> options,
    IOptions<SocketTransportOptions> transportOptions,
    ILoggerFactory loggerFactory,
    ILogger<EmbeddedBroker> logger) : MqttTransport
{
    internal const int WriterBufferSize = 256;
    internal const int WriterBufferSizeMax = 4096;
    private static readonly TimeSpan KeepAliveMonitorInterval = TimeSpan.FromSeconds(1);
    private const string DeviceKey = "smartapi.device";
    private const string IdentityKey = "smartapi.identity";
    private const string RateKey = "smartapi.rate";
    private readonly ConcurrentDictionary<string, string> _listening = new(StringComparer.Ordinal);
    // Serial -> the device whose retained messages the broker may hold under devices/{serial}/.
    private readonly ConcurrentDictionary<string, string> _retainedBy = new(StringComparer.Ordinal);
    private MqttServer? _server;
    private PipelineListener? _listener;
    private PipelineListener? _tlsListener;

    public override bool CanPublish => _server?.IsStarted == true;

    public override IReadOnlyCollection<string>? ListeningDevices => [.. _listening.Keys];

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        // Both ports are served by PipelineListeners (the TLS one wraps its connections in TLS), so
        // every packet passes the size guard: MQTTnet's own listener reads whatever length a packet
        // announces. The communication timeout is how long MQTTnet waits for the CONNECT.
        var builder = new MqttServerOptionsBuilder()
            .WithoutDefaultEndpoint()
            .WithPersistentSessions(false)
            .WithDefaultCommunicationTimeout(settings.ConnectTimeout);
        var serverOptions = builder.Build();
        // Every connection owns a packet writer buffer of this initial size for its whole life, and
        // shrinks back only to the maximum after a bigger packet: MQTTnet's 4 KB and 64 KB were most
        // of an idle device's cost. What the broker sends a device (CONNACK, PUBACK, PINGRESP, a
        // command, its settings) fits 256 bytes; a larger packet grows the buffer for that packet.
        serverOptions.WriterBufferSize = WriterBufferSize;
        serverOptions.WriterBufferSizeMax = WriterBufferSizeMax;
        // The keep-alive monitor scans every connection; at MQTTnet's 500 ms that was a fifteenth of an
        // idle server's CPU with 1,000 devices. Once a second, as Mosquitto checks, a silent device is
        // cut off at most a second after its 1.5 keep-alive periods instead of half a second.
        serverOptions.KeepAliveOptions.MonitorInterval = KeepAliveMonitorInterval;
        var connections = new MqttConnectionHandler();
        var server = new MqttServerFactory().CreateMqttServer(serverOptions, [connections]);
        server.ValidatingConnectionAsync += ValidateAsync;
        server.ClientConnectedAsync += ConnectedAsync;
        server.ClientDisconnectedAsync += DisconnectedAsync;
        server.InterceptingSubscriptionAsync += InterceptSubscriptionAsync;
        server.ClientSubscribedTopicAsync += SubscribedAsync;
        server.InterceptingPublishAsync += InterceptPublishAsync;
        await server.StartAsync();
        var limits = new PipelineListener.Limits(settings.MaxConnectPacketSize, settings.MaxPacketSize, settings.ConnectTimeout);
        var address = IPAddress.Parse(settings.BindAddress);
        var listener = new PipelineListener(connections, limits, null, metrics, transportOptions, loggerFactory);
        PipelineListener? tlsListener = null;
        try
        {
            await listener.StartAsync(new IPEndPoint(address, settings.Port), cancellationToken);
            if (settings.TlsPort > 0)
            {
                var certificate = X509CertificateLoader.LoadPkcs12FromFile(settings.CertificatePath!, settings.CertificatePassword);
                tlsListener = new PipelineListener(connections, limits, certificate, metrics, transportOptions, loggerFactory);
                await tlsListener.StartAsync(new IPEndPoint(address, settings.TlsPort), cancellationToken);
            }
        }
        catch
        {
            // The port is taken, say: nothing may be left running.
            await listener.DisposeAsync();
            if (tlsListener is not null)
            {
                await tlsListener.DisposeAsync();
            }
            await server.StopAsync();
            server.Dispose();
            throw;
        }
        _server = server;
        _listener = listener;
        _tlsListener = tlsListener;
        Log.Started(logger, settings.Port, settings.TlsPort);
        await presence.RecheckOnlineDevicesAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_listener is { } listener)
        {
            _listener = null;
            await listener.DisposeAsync();
        }
        if (_tlsListener is { } tlsListener)
        {
            _tlsListener = null;
            await tlsListener.DisposeAsync();
        }
        if (_server is { } server)
        {
            _server = null;
            await server.StopAsync();
            server.Dispose();
        }
    }

    public override async Task<bool> PublishAsync(string topic, byte[] payload, bool retain, CancellationToken cancellationToken)
    {
        if (_server is not { IsStarted: true } server)
        {
            return false;
        }
        var message = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithRetainFlag(retain).Build();
        await server.InjectApplicationMessage(new InjectedMqttApplicationMessage(message) { SenderClientId = ServerClientId }, cancellationToken);
        return true;
    }

    private async Task ValidateAsync(ValidatingConnectionEventArgs e)
    {
        var device = e.ClientId == e.UserName ? await directory.AuthenticateAsync(e.UserName, e.Password, e.CancellationToken) : null;
        if (device is null)
        {
            metrics.Refused("auth");
            Log.AuthenticationFailed(logger, e.ClientId, e.RemoteEndPoint?.ToString());
            e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
            return;
        }
        // The serial was another device's (deleted, then registered again, possibly by another
        // organization, while the deletion's clean-up had not run yet): nothing retained of the
        // old device may reach this one. Checked before CONNACK, so before it can subscribe.
        if (_retainedBy.TryGetValue(device.Serial, out var owner) && owner != device.Id && _server is { } server)
        {
            await ClearRetainedAsync(server, device.Serial, e.CancellationToken);
        }
        _retainedBy[device.Serial] = device.Id;
        e.SessionItems[DeviceKey] = device;
        // Kept with the session: the publish path runs per message and should not allocate it each time.
        var identity = directory.Identity(device);
        e.SessionItems[IdentityKey] = identity;
        e.SessionItems[RateKey] = new RateState(await rate.BucketAsync(identity, e.CancellationToken), e.ProtocolVersion == MqttProtocolVersion.V500);
    }

    /// <summary>The device's token bucket, and whether its PUBACK can carry a reason code (MQTT 5).</summary>
    private sealed record RateState(TokenBucket Bucket, bool HasReasonCodes);

    public override async Task RemoveDeviceAsync(string serial, CancellationToken cancellationToken)
    {
        if (_server is not { IsStarted: true } server)
        {
            return; // nothing retained survives the broker: its store lives in memory
        }
        await DisconnectAsync(server, serial, "device deleted");
        await ClearRetainedAsync(server, serial, cancellationToken);
        _retainedBy.TryRemove(serial, out _);
    }

    public override async Task EndSessionAsync(string serial, CancellationToken cancellationToken)
    {
        if (_server is { IsStarted: true } server)
        {
            await DisconnectAsync(server, serial, "credentials rotated");
        }
    }

    private static async Task DisconnectAsync(MqttServer server, string serial, string reason)
    {
        // The client id is the serial (ValidateAsync refuses any other).
        if ((await server.GetClientsAsync()).FirstOrDefault(c => c.Id == serial) is { } client)
        {
            await client.DisconnectAsync(new MqttServerClientDisconnectOptions
            {
                ReasonCode = MqttDisconnectReasonCode.NotAuthorized,
                ReasonString = reason,
            });
        }
    }

    /// <summary>Everything retained under <c>devices/{serial}/</c> is replaced by nothing (an empty retained message deletes it).</summary>
    private static async Task ClearRetainedAsync(MqttServer server, string serial, CancellationToken cancellationToken)
    {
        var prefix = DeviceTopics.Root + serial + "/";
        foreach (var retained in await server.GetRetainedMessagesAsync())
        {
            if (retained.Topic.StartsWith(prefix, StringComparison.Ordinal))
            {
                var empty = new MqttApplicationMessageBuilder().WithTopic(retained.Topic).WithRetainFlag(true).Build();
                await server.InjectApplicationMessage(new InjectedMqttApplicationMessage(empty) { SenderClientId = ServerClientId }, cancellationToken);
            }
        }
    }

    private async Task ConnectedAsync(ClientConnectedEventArgs e)
    {
        if (e.SessionItems[DeviceKey] is not Device device)
        {
            return;
        }
        var identity = directory.Identity(device);
        await presence.ConnectedAsync(identity, trackSession: true, CancellationToken.None);
        // Retained, so the device gets its settings whenever it subscribes; the broker's retained
        // store is in memory, so every connect re-publishes them from the database's copy.
        await PublishAsync(DeviceTopics.For(device.Serial, DeviceTopics.Config), DeviceConfigPublisher.Payload(device.PowerOnState), retain: true, CancellationToken.None);
    }

    private Task DisconnectedAsync(ClientDisconnectedEventArgs e)
    {
        if (e.SessionItems[DeviceKey] is Device device)
        {
            var reason = e.DisconnectType == MqttClientDisconnectType.Clean ? "disconnected" : "connection_lost";
            presence.Disconnected(directory.Identity(device), reason, trackSession: true);
            if (!presence.IsConnected(device.Id))
            {
                _listening.TryRemove(device.Id, out _);
            }
        }
        return Task.CompletedTask;
    }

    private Task InterceptSubscriptionAsync(InterceptingSubscriptionEventArgs e)
    {
        if (e.SessionItems[DeviceKey] is Device device && !e.TopicFilter.Topic.StartsWith(DeviceTopics.Root + device.Serial + "/", StringComparison.Ordinal))
        {
            metrics.Refused("acl");
            Log.AccessDenied(logger, device.Serial, "subscribe", e.TopicFilter.Topic);
            e.ProcessSubscription = false;
            e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
        }
        return Task.CompletedTask;
    }

    private Task SubscribedAsync(ClientSubscribedTopicEventArgs e)
    {
        if (e.SessionItems[DeviceKey] is Device device && MqttTopicFilterComparer.Compare(DeviceTopics.For(device.Serial, DeviceTopics.Commands), e.TopicFilter.Topic) == MqttTopicFilterCompareResult.IsMatch)
        {
            _listening[device.Id] = device.Serial;
            OnDeviceListening();
        }
        return Task.CompletedTask;
    }

    private async Task InterceptPublishAsync(InterceptingPublishEventArgs e)
    {
        if (e.SessionItems?[IdentityKey] is not DeviceIdentity device)
        {
            return; // the server's own injected messages
        }
        if (e.SessionItems[RateKey] is RateState state && !rate.TryTake(state.Bucket))
        {
            RefuseOverRate(e, device, state);
            return;
        }
        var topic = e.ApplicationMessage.Topic;
        if (!DeviceTopics.TryParse(topic, out var serial, out var kind) || serial != device.Serial)
        {
            metrics.Refused("acl");
            Log.AccessDenied(logger, device.Serial, "publish", topic);
            e.ProcessPublish = false;
            e.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            return;
        }
        var outcome = await handler.HandleAsync(device, kind, e.ApplicationMessage.Payload, trackSession: true, e.CancellationToken);
        switch (outcome)
        {
            case DeviceMessageHandler.Outcome.Malformed:
                e.Response.ReasonCode = MqttPubAckReasonCode.PayloadFormatInvalid;
                break;
            case DeviceMessageHandler.Outcome.Unavailable:
                // Not stored, and not to be acknowledged as if it were: the device keeps it and
                // publishes it again later (see docs/mqtt.md).
                e.Response.ReasonCode = MqttPubAckReasonCode.UnspecifiedError;
                e.Response.ReasonString = "storage_unavailable";
                break;
            case DeviceMessageHandler.Outcome.Failed:
                e.Response.ReasonCode = MqttPubAckReasonCode.UnspecifiedError;
                e.Response.ReasonString = "internal_error";
                break;
        }
        // Only the retained state goes on through the broker; nobody subscribes to the rest.
        e.ProcessPublish = kind == DeviceTopics.State && outcome == DeviceMessageHandler.Outcome.Handled;
    }

    /// <summary>
    /// Over its rate the message is dropped, never ingested. MQTT 5 QoS 1 and 2 get reason 0x97
    /// (quota exceeded: 0x96 "message rate too high" exists only for DISCONNECT); MQTT 3.1.1 has
    /// no negative acknowledgement, so a QoS 1 or 2 message closes the connection unacknowledged
    /// and the device sends it again after reconnecting. QoS 0 is dropped (it promises nothing).
    /// </summary>
    private void RefuseOverRate(InterceptingPublishEventArgs e, DeviceIdentity device, RateState state)
    {
        metrics.Refused("rate");
        Log.RateLimited(logger, device.Serial, e.ApplicationMessage.Topic);
        e.ProcessPublish = false;
        if (e.ApplicationMessage.QualityOfServiceLevel == MqttQualityOfServiceLevel.AtMostOnce)
        {
            return;
        }
        if (state.HasReasonCodes)
        {
            e.Response.ReasonCode = MqttPubAckReasonCode.QuotaExceeded;
        }
        else
        {
            e.CloseConnection = true;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEvents.MqttStarted, Level = LogLevel.Information, Message = "Embedded MQTT broker listening on port {Port} (TLS port {TlsPort}; 0 = none)")]
        public static partial void Started(ILogger logger, int port, int tlsPort);

        [LoggerMessage(EventId = LogEvents.MqttAuthenticationFailed, Level = LogLevel.Warning, Message = "Refused MQTT client {ClientId} from {RemoteEndPoint}: bad serial or password")]
        public static partial void AuthenticationFailed(ILogger logger, string clientId, string? remoteEndPoint);

        [LoggerMessage(EventId = LogEvents.MqttAccessDenied, Level = LogLevel.Warning, Message = "Refused {Operation} of device {Serial} on {Topic}: outside its own devices/ topic root")]
        public static partial void AccessDenied(ILogger logger, string serial, string operation, string topic);

        [LoggerMessage(EventId = LogEvents.MqttRateLimited, Level = LogLevel.Debug, Message = "Refused a message of device {Serial} on {Topic}: over its message rate")]
        public static partial void RateLimited(ILogger logger, string serial, string topic);
    }
}
