using System.Globalization;
using System.IO.Pipelines;
using System.Text;

namespace SmartApi.Server.Exports;

/// <summary>
/// RFC 4180 CSV straight into a <see cref="PipeWriter"/>: a header row, CRLF line ends, fields quoted only
/// when they hold a comma, quote, CR or LF. Cells are formatted as UTF-8 into the pipe's own memory
/// (numbers and times by hand or as IUtf8SpanFormattable), so a row allocates nothing; a text cell that
/// repeats the previous row's string (a device id) reuses its encoded bytes.
/// </summary>
internal sealed class CsvTableWriter : TableWriter
{
    private const int ChunkSize = 64 * 1024;
    private const int FlushThreshold = 64 * 1024;
    // The longest cell other than text: a local time with its offset (29 bytes) or a double (at most 24).
    private const int MaxFormattedCell = 40;

    private readonly PipeWriter _output;
    private readonly string?[] _lastText;
    private readonly byte[][] _lastBytes;
    private Memory<byte> _chunk;
    private int _used;
    private long _unflushed;
    private int _column;

    public CsvTableWriter(IReadOnlyList<ExportColumn> columns, PipeWriter output)
    {
        _output = output;
        _lastText = new string?[columns.Count];
        _lastBytes = new byte[columns.Count][];
        foreach (var column in columns)
        {
            WriteText(column.Name);
        }
        EndLine();
        Array.Clear(_lastText);
    }

    public override void WriteText(string? value)
    {
        var column = Separator();
        if (value is null)
        {
            return;
        }
        if (!ReferenceEquals(value, _lastText[column]))
        {
            _lastText[column] = value;
            _lastBytes[column] = Encode(value);
        }
        var bytes = _lastBytes[column];
        bytes.CopyTo(Reserve(bytes.Length));
        _used += bytes.Length;
    }

    public override void WriteUtc(long unixMs)
    {
        Separator();
        var span = Reserve(MaxFormattedCell);
        var length = Timestamps.Write(span, unixMs);
        span[length] = (byte)'Z';
        _used += length + 1;
    }

    public override void WriteLocal(long unixMs, TimeSpan offset)
    {
        Separator();
        var span = Reserve(MaxFormattedCell);
        var length = Timestamps.Write(span, unixMs + (long)offset.TotalMilliseconds);
        _used += length + Timestamps.WriteOffset(span[length..], offset);
    }

    public override void WriteNumber(double? value)
    {
        Separator();
        if (value is not { } number)
        {
            return;
        }
        var span = Reserve(MaxFormattedCell);
        _used += Numbers.Write(span, number);
    }

    public override void WriteInteger(long value)
    {
        Separator();
        var span = Reserve(MaxFormattedCell);
        value.TryFormat(span, out var written, default, CultureInfo.InvariantCulture);
        _used += written;
    }

    public override void WriteBoolean(bool value)
    {
        Separator();
        var text = value ? "true"u8 : "false"u8;
        text.CopyTo(Reserve(text.Length));
        _used += text.Length;
    }

    public override ValueTask EndRowAsync(CancellationToken cancellationToken)
    {
        EndLine();
        return _unflushed + _used >= FlushThreshold ? FlushAsync(cancellationToken) : ValueTask.CompletedTask;
    }

    public override ValueTask CompleteAsync(CancellationToken cancellationToken) => FlushAsync(cancellationToken);

    private async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        // Only after GetMemory: Kestrel's response writer rejects an Advance, even of 0, that follows a flush, so
        // the closing flush of an export whose last row had just flushed broke the connection.
        if (_used > 0)
        {
            _output.Advance(_used);
        }
        _used = 0;
        _unflushed = 0;
        _chunk = default;
        var result = await _output.FlushAsync(cancellationToken);
        if (result.IsCanceled || result.IsCompleted)
        {
            // The reader is gone (the client disconnected): stop reading rows for nobody.
            throw new OperationCanceledException("The export's client stopped reading.");
        }
    }

    private void EndLine()
    {
        var span = Reserve(2);
        span[0] = (byte)'\r';
        span[1] = (byte)'\n';
        _used += 2;
        _column = 0;
    }

    private int Separator()
    {
        var column = _column++;
        if (column > 0)
        {
            Reserve(1)[0] = (byte)',';
            _used++;
        }
        return column;
    }

    private Span<byte> Reserve(int length)
    {
        if (_chunk.Length - _used < length)
        {
            if (_used > 0)
            {
                _output.Advance(_used);
                _unflushed += _used;
                _used = 0;
            }
            _chunk = _output.GetMemory(Math.Max(length, ChunkSize));
        }
        return _chunk.Span[_used..];
    }

    /// <summary>The field as RFC 4180 writes it: quoted, with quotes doubled, when it holds a comma, quote, CR or LF.</summary>
    internal static byte[] Encode(string value)
    {
        if (value.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            return Encoding.UTF8.GetBytes(value);
        }
        return Encoding.UTF8.GetBytes("\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"");
    }
}
