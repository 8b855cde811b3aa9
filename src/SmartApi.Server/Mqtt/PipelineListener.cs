using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;
using MQTTnet.AspNetCore;

namespace SmartApi.Server.Mqtt;

/// <summary>
/// A listener of the embedded broker: Kestrel's socket transport (System.IO.Pipelines) accepting
/// connections for MQTTnet.AspNetCore's <see cref="MqttConnectionHandler"/>, instead of MQTTnet's
/// own stream-based listener. Packets are decoded straight from the pipe's buffers and PUBACKs
/// written to it: on the broker's own path that is about a tenth less CPU and 30 % fewer bytes
/// allocated per message (docs/benchmarks.md §5). With a certificate the connection is wrapped in
/// TLS first (the TLS port). Either way every connection's input passes a
/// <see cref="PacketSizeGuard"/>, which MQTTnet's own listener could not take.
/// It is a listener of its own rather than a Kestrel endpoint so that the HTTP addresses
/// (<c>urls</c>) stay configured as they are.
/// </summary>
internal sealed partial class PipelineListener(
    MqttConnectionHandler handler,
    PipelineListener.Limits limits,
    X509Certificate2? certificate,
    GatewayMetrics metrics,
    IOptions<SocketTransportOptions> transportOptions,
    ILoggerFactory loggerFactory) : IAsyncDisposable
{
    /// <summary>The packet sizes the guard allows before and after authentication, and the time allowed for the TLS handshake.</summary>
    public sealed record Limits(int ConnectPacketSize, int PacketSize, TimeSpan ConnectTimeout);

    private readonly ILogger _logger = loggerFactory.CreateLogger<PipelineListener>();
    private readonly CancellationTokenSource _stopping = new();
    private readonly SslServerAuthenticationOptions? _tls = certificate is null ? null : new() { ServerCertificate = certificate };
    private IConnectionListener? _listener;
    private Task _accepting = Task.CompletedTask;

    public async Task StartAsync(IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        // Kestrel's options carry its pooled (pinned block) memory; a bare SocketTransportOptions
        // would rent from the shared array pool, which 1,000 busy connections outrun.
        var transport = new SocketTransportFactory(transportOptions, loggerFactory);
        _listener = await transport.BindAsync(endpoint, cancellationToken);
        _accepting = AcceptAsync(_listener);
    }

    private async Task AcceptAsync(IConnectionListener listener)
    {
        while (await listener.AcceptAsync(_stopping.Token) is { } connection)
        {
            _ = ServeAsync(connection);
        }
    }

    private async Task ServeAsync(ConnectionContext connection)
    {
        SslStream? tls = null;
        try
        {
            var transport = connection.Transport;
            if (_tls is not null)
            {
                tls = new SslStream(new DuplexPipeStream(transport));
                if (!await HandshakeAsync(tls, _tls))
                {
                    return;
                }
                transport = new DuplexPipe(PipeReader.Create(tls), PipeWriter.Create(tls));
            }
            connection.Transport = new DuplexPipe(new PacketSizeGuard(transport.Input, limits.ConnectPacketSize, limits.PacketSize, metrics, _logger, connection.RemoteEndPoint), transport.Output);
            // The broker's session loop: CONNECT (within SmartApi:Mqtt:ConnectTimeout), authentication, then packets until disconnect.
            await handler.OnConnectedAsync(connection);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            Log.ConnectionFailed(_logger, exception, connection.RemoteEndPoint);
        }
        finally
        {
            if (tls is not null)
            {
                await tls.DisposeAsync();
            }
            await connection.DisposeAsync();
        }
    }

    private async Task<bool> HandshakeAsync(SslStream tls, SslServerAuthenticationOptions options)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        timeout.CancelAfter(limits.ConnectTimeout);
        try
        {
            await tls.AuthenticateAsServerAsync(options, timeout.Token);
            return true;
        }
        catch (OperationCanceledException) when (!_stopping.IsCancellationRequested)
        {
            metrics.Refused("connect_timeout");
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_listener is not { } listener)
        {
            return;
        }
        _listener = null;
        await _stopping.CancelAsync();
        await listener.UnbindAsync();
        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await listener.DisposeAsync();
        _stopping.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = Infrastructure.LogEvents.MqttConnectionFailed, Level = LogLevel.Debug, Message = "MQTT connection from {RemoteEndPoint} ended with an error")]
        public static partial void ConnectionFailed(ILogger logger, Exception exception, EndPoint? remoteEndPoint);
    }
}
