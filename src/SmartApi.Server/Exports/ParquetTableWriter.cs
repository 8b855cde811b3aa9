using Parquet;
using Parquet.Schema;

namespace SmartApi.Server.Exports;

/// <summary>
/// Parquet in row groups of a fixed number of rows: cells fill one column buffer each, and every full group
/// is encoded, then copied to the output, so memory is one group whatever the number of rows. Parquet.Net
/// writes synchronously to a stream it may ask the position of; a response body allows neither, so it
/// writes into <see cref="GroupBuffer"/>, drained to the output after each group and after the footer.
/// Times are INT64 milliseconds: the UTC column adjusted to UTC, the local column as the wall clock
/// (not adjusted), so its offset is the difference of the two.
/// </summary>
internal sealed class ParquetTableWriter : TableWriter
{
    public const int DefaultRowGroupSize = 65_536;

    private readonly Stream _output;
    private readonly GroupBuffer _buffer = new();
    private readonly DataField[] _fields;
    private readonly Array[] _cells;
    private readonly int _rowGroupSize;
    private ParquetWriter? _writer;
    private int _rows;
    private int _column;

    public ParquetTableWriter(IReadOnlyList<ExportColumn> columns, Stream output, int rowGroupSize = DefaultRowGroupSize)
    {
        _output = output;
        _rowGroupSize = rowGroupSize;
        _fields = columns.Select(Field).ToArray();
        _cells = columns.Select(c => Cells(c, rowGroupSize)).ToArray();
    }

    public override void WriteText(string? value) => ((string?[])_cells[_column++])[_rows] = value;

    public override void WriteUtc(long unixMs) =>
        ((DateTime[])_cells[_column++])[_rows] = DateTime.UnixEpoch.AddMilliseconds(unixMs);

    public override void WriteLocal(long unixMs, TimeSpan offset) =>
        ((DateTime[])_cells[_column++])[_rows] = DateTime.SpecifyKind(DateTime.UnixEpoch.AddMilliseconds(unixMs) + offset, DateTimeKind.Unspecified);

    public override void WriteNumber(double? value)
    {
        var cells = _cells[_column++];
        if (cells is double?[] nullable)
        {
            nullable[_rows] = value;
        }
        else
        {
            ((double[])cells)[_rows] = value ?? double.NaN;
        }
    }

    public override void WriteInteger(long value) => ((long[])_cells[_column++])[_rows] = value;

    public override void WriteBoolean(bool value) => ((bool[])_cells[_column++])[_rows] = value;

    public override ValueTask EndRowAsync(CancellationToken cancellationToken)
    {
        _column = 0;
        return ++_rows == _rowGroupSize ? new ValueTask(WriteGroupAsync(cancellationToken)) : ValueTask.CompletedTask;
    }

    public override async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        if (_rows > 0 || _writer is null)
        {
            await WriteGroupAsync(cancellationToken);
        }
        await _writer!.DisposeAsync();
        _writer = null;
        await _buffer.DrainToAsync(_output, cancellationToken);
        await _output.FlushAsync(cancellationToken);
    }

    public override async ValueTask DisposeAsync()
    {
        if (_writer is not null)
        {
            await _writer.DisposeAsync();
        }
        await _buffer.DisposeAsync();
        await base.DisposeAsync();
    }

    private async Task WriteGroupAsync(CancellationToken cancellationToken)
    {
        _writer ??= await ParquetWriter.CreateAsync(new ParquetSchema(_fields), _buffer, cancellationToken: cancellationToken);
        using (var group = _writer.CreateRowGroup())
        {
            for (var i = 0; i < _fields.Length; i++)
            {
                await WriteColumnAsync(group, _fields[i], _cells[i], _rows, cancellationToken);
            }
            group.CompleteValidate();
        }
        foreach (var cells in _cells)
        {
            if (cells is string?[])
            {
                Array.Clear(cells, 0, _rows);
            }
        }
        _rows = 0;
        await _buffer.DrainToAsync(_output, cancellationToken);
    }

    private static Task WriteColumnAsync(ParquetRowGroupWriter group, DataField field, Array cells, int rows, CancellationToken cancellationToken) =>
        cells switch
        {
            string?[] text => group.WriteAsync(field, new ArraySegment<string>(text!, 0, rows)),
            DateTime[] times => group.WriteAsync(field, new ReadOnlyMemory<DateTime>(times, 0, rows), cancellationToken: cancellationToken),
            double?[] nullable => group.WriteAsync(field, new ReadOnlyMemory<double?>(nullable, 0, rows), cancellationToken: cancellationToken),
            double[] numbers => group.WriteAsync(field, new ReadOnlyMemory<double>(numbers, 0, rows), cancellationToken: cancellationToken),
            long[] integers => group.WriteAsync(field, new ReadOnlyMemory<long>(integers, 0, rows), cancellationToken: cancellationToken),
            bool[] flags => group.WriteAsync(field, new ReadOnlyMemory<bool>(flags, 0, rows), cancellationToken: cancellationToken),
            _ => throw new InvalidOperationException("Unknown column buffer."),
        };

    private static DataField Field(ExportColumn column) => column.Kind switch
    {
        ExportColumnKind.Text => new DataField<string>(column.Name, column.Nullable),
        ExportColumnKind.UtcTime => new DateTimeDataField(column.Name, DateTimeFormat.Timestamp, isAdjustedToUTC: true, DateTimeTimeUnit.Millis, column.Nullable),
        ExportColumnKind.LocalTime => new DateTimeDataField(column.Name, DateTimeFormat.Timestamp, isAdjustedToUTC: false, DateTimeTimeUnit.Millis, column.Nullable),
        ExportColumnKind.Integer => new DataField<long>(column.Name),
        ExportColumnKind.Boolean => new DataField<bool>(column.Name),
        _ => column.Nullable ? new DataField<double?>(column.Name) : new DataField<double>(column.Name),
    };

    private static Array Cells(ExportColumn column, int rows) => column.Kind switch
    {
        ExportColumnKind.Text => new string?[rows],
        ExportColumnKind.UtcTime or ExportColumnKind.LocalTime => new DateTime[rows],
        ExportColumnKind.Integer => new long[rows],
        ExportColumnKind.Boolean => new bool[rows],
        _ => column.Nullable ? new double?[rows] : new double[rows],
    };

    /// <summary>
    /// A write-only stream that keeps what Parquet.Net writes until it is drained, and knows its position
    /// (the total written), which the footer's offsets need.
    /// </summary>
    private sealed class GroupBuffer : Stream
    {
        private readonly MemoryStream _pending = new();
        private long _drained;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _drained + _pending.Length;

        public override long Position
        {
            get => Length;
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => _pending.Write(buffer, offset, count);

        public override void Write(ReadOnlySpan<byte> buffer) => _pending.Write(buffer);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            _pending.Write(buffer, offset, count);
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _pending.Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public async Task DrainToAsync(Stream output, CancellationToken cancellationToken)
        {
            if (_pending.Length == 0)
            {
                return;
            }
            await output.WriteAsync(_pending.GetBuffer().AsMemory(0, (int)_pending.Length), cancellationToken);
            _drained += _pending.Length;
            _pending.SetLength(0);
        }

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _pending.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
