using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace SmartApi.Server.Webhooks.Delivery;

/// <summary>
/// The headers one attempt sent, as the compact JSON object stored with the attempt (ADR 030).
/// Written on a per-thread buffer between <see cref="Start"/> and <see cref="Finish"/>, with no
/// await in between, so the only allocation per attempt is the finished string.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification =
    "One instance per thread, living as long as the thread; the writer holds only managed memory.")]
internal sealed class RequestHeaderLog
{
    /// <summary>What a custom header's value is recorded as: custom headers carry secrets.</summary>
    public const string Masked = "***";

    [ThreadStatic]
    private static RequestHeaderLog? _current;

    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private readonly Utf8JsonWriter _writer;

    // Read back only by the API's own serializer, so nothing needs HTML-safe escaping here.
    private RequestHeaderLog() =>
        _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    public static RequestHeaderLog Start()
    {
        var log = _current ??= new RequestHeaderLog();
        log._buffer.ResetWrittenCount();
        log._writer.Reset();
        log._writer.WriteStartObject();
        return log;
    }

    public void Add(string name, string value) => _writer.WriteString(name, value);

    public string Finish()
    {
        _writer.WriteEndObject();
        _writer.Flush();
        return Encoding.UTF8.GetString(_buffer.WrittenSpan);
    }
}
