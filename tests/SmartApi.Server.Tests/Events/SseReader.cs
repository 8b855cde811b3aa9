using System.Text;

namespace SmartApi.Server.Tests.Events;

/// <summary>One message of a text/event-stream: an event (id, type, data) or a comment line.</summary>
internal sealed record SseMessage(string? Id, string? Event, string? Data, string? Comment);

/// <summary>Reads Server-Sent Events from a response stream, field by field as the SSE spec says.</summary>
internal sealed class SseReader(Stream stream) : IDisposable
{
    private readonly StreamReader _reader = new(stream, Encoding.UTF8);

    /// <summary>The next event or comment; null when the stream ended.</summary>
    public async Task<SseMessage?> ReadAsync(CancellationToken cancellationToken)
    {
        string? id = null, type = null, comment = null;
        StringBuilder? data = null;
        while (await _reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (id is not null || type is not null || data is not null)
                {
                    return new SseMessage(id, type, data?.ToString(), null);
                }
                continue;
            }
            if (line[0] == ':')
            {
                comment = line[1..].Trim();
                return new SseMessage(null, null, null, comment);
            }
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "id": id = value; break;
                case "event": type = value; break;
                case "data": data = data is null ? new StringBuilder(value) : data.Append('\n').Append(value); break;
            }
        }
        return null;
    }

    /// <summary>The next event, skipping comments; null when the stream ended.</summary>
    public async Task<SseMessage?> ReadEventAsync(CancellationToken cancellationToken)
    {
        while (await ReadAsync(cancellationToken) is { } message)
        {
            if (message.Comment is null)
            {
                return message;
            }
        }
        return null;
    }

    public void Dispose() => _reader.Dispose();
}
