using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Runtime.CompilerServices;
using MQTTnet.Exceptions;
using SmartApi.Server.Infrastructure;

namespace SmartApi.Server.Mqtt;

/// <summary>
/// Sits between a connection's transport and MQTTnet's packet reader and refuses a packet by its
/// fixed header, before its body is buffered. MQTTnet reads a whole packet before it looks at it
/// (its stream adapter even allocates the announced length up front), so a CONNECT announcing
/// 256 MB was read in full. Every buffer MQTTnet reads starts at a packet boundary (it consumes
/// whole packets only), so parsing the remaining length there sees every packet's header.
/// The first packet (the CONNECT, before authentication) gets the small limit; once it has been
/// consumed the connection is authenticated (MQTTnet closes it otherwise) and the other applies.
/// Costs a few bytes of parsing per read and allocates nothing.
/// </summary>
internal sealed partial class PacketSizeGuard(
    PipeReader inner, int connectLimit, int packetLimit, GatewayMetrics metrics, ILogger logger, EndPoint? remoteEndPoint) : PipeReader
{
    private SequencePosition _start;
    private bool _connected;

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        var pending = inner.ReadAsync(cancellationToken);
        if (pending.IsCompletedSuccessfully)
        {
            var result = pending.Result;
            Check(result.Buffer);
            return new ValueTask<ReadResult>(result);
        }
        return AwaitAsync(pending);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult> AwaitAsync(ValueTask<ReadResult> pending)
    {
        ReadResult result;
        try
        {
            result = await pending.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!_connected)
        {
            // MQTTnet cancels the read of the first packet after SmartApi:Mqtt:ConnectTimeout.
            metrics.Refused("connect_timeout");
            throw;
        }
        Check(result.Buffer);
        return result;
    }

    public override bool TryRead(out ReadResult result)
    {
        if (!inner.TryRead(out result))
        {
            return false;
        }
        Check(result.Buffer);
        return true;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        if (!_connected && !consumed.Equals(_start))
        {
            _connected = true;
        }
        inner.AdvanceTo(consumed, examined);
    }

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    private void Check(in ReadOnlySequence<byte> buffer)
    {
        _start = buffer.Start;
        if (buffer.Length < 2)
        {
            return;
        }
        var limit = _connected ? packetLimit : connectLimit;
        var size = PacketSize(buffer);
        if (size > limit)
        {
            metrics.Refused("packet_too_large");
            Log.PacketTooLarge(logger, size, limit, _connected, remoteEndPoint);
            throw new MqttProtocolViolationException(
                $"Packet of {size} bytes announced {(_connected ? "" : "before authentication ")}(limit {limit}); connection closed unread.");
        }
    }

    /// <summary>
    /// The packet's whole size (fixed header + remaining length) from its fixed header, or 0 while
    /// the remaining length's bytes have not all arrived or are malformed (MQTTnet refuses those).
    /// </summary>
    internal static long PacketSize(in ReadOnlySequence<byte> buffer)
    {
        Span<byte> copy = stackalloc byte[5];
        scoped ReadOnlySpan<byte> head = buffer.FirstSpan;
        if (head.Length < 5 && buffer.Length > head.Length)
        {
            var length = (int)Math.Min(5, buffer.Length);
            buffer.Slice(0, length).CopyTo(copy);
            head = copy[..length];
        }
        long remaining = 0;
        for (var i = 1; i < head.Length && i <= 4; i++)
        {
            var next = head[i];
            remaining |= (long)(next & 0x7F) << (7 * (i - 1));
            if ((next & 0x80) == 0)
            {
                return i + 1 + remaining;
            }
        }
        return 0;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEvents.MqttPacketTooLarge, Level = LogLevel.Warning,
            Message = "Closed the MQTT connection from {RemoteEndPoint}: a packet of {Size} bytes announced, limit {Limit} (authenticated: {Authenticated})")]
        public static partial void PacketTooLarge(ILogger logger, long size, int limit, bool authenticated, EndPoint? remoteEndPoint);
    }
}

/// <summary>A connection's transport with its input replaced (by the size guard, or a TLS stream's pipes).</summary>
internal sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
{
    public PipeReader Input { get; } = input;

    public PipeWriter Output { get; } = output;
}
