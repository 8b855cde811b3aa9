using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Events;

/// <summary>
/// Writes one live stream: the history after the cursor, then the live tail, both read from the
/// log by cursor, so there is no gap and no repeat between them (the log has no gaps; see
/// docs/architecture.md). Wakes on <see cref="EventLogSignal"/> and polls at a bounded interval
/// for events committed by other nodes.
/// </summary>
internal sealed partial class EventStreamer(
    ISmartApiStore store, EventLogSignal signal, IOptions<EventOptions> options, TimeProvider time,
    IHostApplicationLifetime lifetime, ILogger<EventStreamer> logger)
{
    /// <summary>Events read and written per round; the flush after each round bounds what one connection holds.</summary>
    public const int PageSize = 200;

    private static readonly byte[] Connected = ": connected\nretry: 3000\n\n"u8.ToArray();
    private static readonly byte[] Heartbeat = ": heartbeat\n\n"u8.ToArray();

    private readonly EventOptions _options = options.Value;

    public async Task RunAsync(HttpContext http, string organizationId, string keyId, EventFilter filter, string? cursor)
    {
        // A graceful stop ends streams at once instead of holding the host for its shutdown timeout.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
        var cancellationToken = stop.Token;
        var response = http.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        // Reverse proxies (nginx) must not buffer the stream.
        response.Headers["X-Accel-Buffering"] = "no";
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var writer = response.BodyWriter;
        try
        {
            // No cursor: the live tail only, from the latest event at connection time.
            cursor ??= await store.GetLatestEventIdAsync(organizationId, cancellationToken);
            writer.Write(Connected);
            if (!await FlushAsync(http, writer, cancellationToken))
            {
                return;
            }
            var nextHeartbeat = time.GetUtcNow() + _options.StreamHeartbeat;
            var nextKeyCheck = nextHeartbeat;
            while (!cancellationToken.IsCancellationRequested)
            {
                // Authentication ran once, at connection: re-check the key every heartbeat interval,
                // busy or idle, so a revoked key stops receiving within one interval. The reconnect answers 401.
                if (time.GetUtcNow() >= nextKeyCheck)
                {
                    if (!await IsKeyActiveAsync(organizationId, keyId, cancellationToken))
                    {
                        Log.KeyRevoked(logger, organizationId, keyId);
                        return;
                    }
                    nextKeyCheck = time.GetUtcNow() + _options.StreamHeartbeat;
                }
                // Taken before the read: a commit after the read completes it, so nothing waits in vain.
                var wake = signal.Next;
                var page = await store.ListEventsAsync(organizationId, filter, new PageRequest(cursor, PageSize), cancellationToken);
                if (page.Items.Count > 0)
                {
                    foreach (var stored in page.Items)
                    {
                        WriteEvent(writer, stored);
                    }
                    cursor = page.Items[^1].Id;
                    if (!await FlushAsync(http, writer, cancellationToken))
                    {
                        return;
                    }
                    nextHeartbeat = time.GetUtcNow() + _options.StreamHeartbeat;
                    if (page.HasMore)
                    {
                        continue;
                    }
                }
                var now = time.GetUtcNow();
                if (now >= nextHeartbeat)
                {
                    writer.Write(Heartbeat);
                    if (!await FlushAsync(http, writer, cancellationToken))
                    {
                        return;
                    }
                    nextHeartbeat = now + _options.StreamHeartbeat;
                }
                var wait = nextHeartbeat - now;
                await WaitAsync(wake, wait < _options.StreamPollInterval ? wait : _options.StreamPollInterval, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (InvalidCursorException)
        {
            // The cursor's event was deleted by retention while the stream ran: end the stream; a
            // reconnect with it answers 400 invalid_cursor and the client starts over.
        }
        catch (Exception ex) when (ex is IOException or ConnectionAbortedException)
        {
        }
#pragma warning disable CA1031 // A failing stream must end alone, never take the host with it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.StreamFailed(logger, organizationId, ex);
            http.Abort();
        }
    }

    /// <summary>
    /// Hands the written bytes to the connection. Kestrel's output pipe is bounded, so a client
    /// that does not read makes the flush wait; after the write timeout the connection is aborted.
    /// Only this connection's task waits: the server and other streams go on.
    /// </summary>
    private async ValueTask<bool> FlushAsync(HttpContext http, PipeWriter writer, CancellationToken cancellationToken)
    {
        var flush = writer.FlushAsync(cancellationToken);
        if (flush.IsCompletedSuccessfully)
        {
            return !flush.Result.IsCompleted;
        }
        var flushing = flush.AsTask();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var expired = Task.Delay(_options.StreamWriteTimeout, time, timeout.Token);
        // The flush may have completed just as the timer fired: only a flush still waiting is slow.
        if (await Task.WhenAny(flushing, expired) == flushing || flushing.IsCompleted)
        {
            await timeout.CancelAsync();
            return !(await flushing).IsCompleted;
        }
        Log.SlowClient(logger, http.Connection.Id, _options.StreamWriteTimeout);
        // The pending flush fails once the connection is gone; observe it so it is not unobserved.
        _ = flushing.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        http.Abort();
        return false;
    }

    private async Task<bool> IsKeyActiveAsync(string organizationId, string keyId, CancellationToken cancellationToken) =>
        await store.GetApiKeyAsync(organizationId, keyId, cancellationToken) is { RevokedAt: null };

    private async Task WaitAsync(Task wake, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var delay = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var poll = Task.Delay(timeout, time, delay.Token);
        await Task.WhenAny(wake, poll);
        // Frees the timer when the wake-up came first.
        await delay.CancelAsync();
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary><c>id:</c> the event id, <c>event:</c> its type, <c>data:</c> the envelope, the same bytes as the webhook body.</summary>
    private static void WriteEvent(PipeWriter writer, StoredEvent stored)
    {
        writer.Write("id: "u8);
        WriteAscii(writer, stored.Id);
        writer.Write("\nevent: "u8);
        WriteAscii(writer, stored.Type);
        writer.Write("\ndata: "u8);
        var envelope = EventEnvelope.Serialize(stored);
        // The envelope is compact JSON (strings escape line breaks), so it is one data line. Should
        // stored data ever hold raw line breaks between tokens, each line becomes its own data
        // field, which SSE clients join with '\n' again.
        var rest = envelope.AsSpan();
        int lineBreak;
        while ((lineBreak = rest.IndexOfAny((byte)'\n', (byte)'\r')) >= 0)
        {
            writer.Write(rest[..lineBreak]);
            writer.Write("\ndata: "u8);
            rest = rest[(lineBreak + 1)..];
        }
        writer.Write(rest);
        writer.Write("\n\n"u8);
    }

    private static void WriteAscii(PipeWriter writer, string text)
    {
        var span = writer.GetSpan(text.Length);
        var written = Encoding.ASCII.GetBytes(text, span);
        writer.Advance(written);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEvents.EventStreamSlowClient, Level = LogLevel.Information,
            Message = "Event stream on connection {ConnectionId} disconnected: the client took no data for {Timeout}")]
        public static partial void SlowClient(ILogger logger, string connectionId, TimeSpan timeout);

        [LoggerMessage(EventId = LogEvents.EventStreamFailed, Level = LogLevel.Warning, Message = "Event stream of {OrganizationId} failed")]
        public static partial void StreamFailed(ILogger logger, string organizationId, Exception exception);

        [LoggerMessage(EventId = LogEvents.EventStreamKeyRevoked, Level = LogLevel.Information,
            Message = "Event stream of {OrganizationId} ended: its API key {KeyId} was revoked")]
        public static partial void KeyRevoked(ILogger logger, string organizationId, string keyId);
    }
}
