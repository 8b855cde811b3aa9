using System.Runtime.CompilerServices;
using System.Text;

namespace SmartApi.Client;

/// <summary>
/// Reads <c>text/event-stream</c> and reconnects with <c>Last-Event-ID</c> when the connection drops
/// or goes silent, waiting the server's <c>retry:</c> delay (with backoff while reconnects keep failing).
/// </summary>
internal sealed class EventStreamReader(SmartApiTransport transport, string path, EventStreamOptions options)
{
    private TimeSpan _reconnectDelay = TimeSpan.FromSeconds(3);

    public async IAsyncEnumerable<StreamedEvent> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var lastId = options.After;
        var connectedOnce = false;
        var failures = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var response = await OpenAsync(lastId, connectedOnce, cancellationToken).ConfigureAwait(false);
            if (response is not null)
            {
                connectedOnce = true;
                options.Connected?.Invoke();
                Exception? cause = null;
                using (response)
                using (var idle = new CancellationTokenSource(transport.Options.StreamIdleTimeout, transport.Time))
                using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, idle.Token))
                using (var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), Encoding.UTF8))
                {
                    while (true)
                    {
                        Message? message;
                        try
                        {
                            message = await ReadMessageAsync(reader, linked.Token).ConfigureAwait(false);
                        }
                        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
                        {
                            cause = new TimeoutException($"The stream was silent for {transport.Options.StreamIdleTimeout}.", ex);
                            message = null;
                        }
                        catch (Exception ex) when (ex is IOException or HttpRequestException)
                        {
                            cause = ex;
                            message = null;
                        }
                        if (message is null)
                        {
                            break;
                        }
                        // Anything, a heartbeat included, shows the connection is alive.
                        idle.CancelAfter(transport.Options.StreamIdleTimeout);
                        if (message.Event is { } streamed)
                        {
                            lastId = streamed.Id;
                            failures = 0;
                            yield return streamed;
                        }
                    }
                }
                cancellationToken.ThrowIfCancellationRequested();
                options.Disconnected?.Invoke(cause);
            }
            failures++;
            var delay = _reconnectDelay * Math.Min(failures, 10);
            await transport.DelayAsync(delay, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Connects; null when a reconnect failed in a way another attempt may mend.</summary>
    private async Task<HttpResponseMessage?> OpenAsync(string? lastId, bool reconnecting, CancellationToken cancellationToken)
    {
        var headers = new Dictionary<string, string> { ["Accept"] = "text/event-stream" };
        if (lastId is not null)
        {
            headers["Last-Event-ID"] = lastId;
        }
        HttpResponseMessage response;
        try
        {
            response = await transport.SendWithRetriesAsync(HttpMethod.Get, path, null, null, headers, HttpCompletionOption.ResponseHeadersRead,
                cancellationToken, stream: true).ConfigureAwait(false);
        }
        catch (HttpRequestException ex) when (reconnecting)
        {
            options.Disconnected?.Invoke(ex);
            return null;
        }
        if (response.IsSuccessStatusCode)
        {
            return response;
        }
        using (response)
        {
            try
            {
                await SmartApiTransport.EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
            }
            catch (SmartApiException ex) when (reconnecting && SmartApiTransport.IsTransient(ex.StatusCode))
            {
                options.Disconnected?.Invoke(ex);
            }
        }
        return null;
    }

    private sealed record Message(StreamedEvent? Event);

    /// <summary>The next event or comment, following the SSE field rules; null at the end of the stream.</summary>
    private async Task<Message?> ReadMessageAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        string? id = null, type = null;
        StringBuilder? data = null;
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                if (data is not null && id is not null)
                {
                    return new Message(new StreamedEvent(id, type ?? "message", data.ToString()));
                }
                id = type = null;
                data = null;
                continue;
            }
            if (line[0] == ':')
            {
                return new Message(null);
            }
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..];
            if (value.StartsWith(' '))
            {
                value = value[1..];
            }
            switch (field)
            {
                case "id" when !value.Contains('\0', StringComparison.Ordinal):
                    id = value;
                    break;
                case "event":
                    type = value;
                    break;
                case "data":
                    data = data is null ? new StringBuilder(value) : data.Append('\n').Append(value);
                    break;
                case "retry" when int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ms):
                    _reconnectDelay = TimeSpan.FromMilliseconds(ms);
                    break;
            }
        }
        return null;
    }
}
