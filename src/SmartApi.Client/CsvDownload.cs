using System.Globalization;
using System.Text;

namespace SmartApi.Client;

/// <summary>
/// One CSV export into a file, resumed after its last complete row whenever the transfer breaks. Rows end at a
/// line feed outside quotes (a quoted field may hold line breaks); the file is written as bytes arrive and cut
/// back to the last complete row before the rest is asked for, its header row left out. Every export's rows start
/// with the device id, a second field and the row's UTC time, which make the resume point. Rows are only counted
/// as they pass (a vectorized search for line feeds and quotes); the last complete row is kept as bytes and read
/// only when its position is needed, once per buffer for the progress and once per resume.
/// </summary>
internal sealed class CsvDownload(ExportsClient client, ExportsClient.ExportOpener open, string? after, string path, IProgress<ExportProgress>? progress)
{
    // The line in progress across buffers, and the last complete data row (without its line end).
    private byte[] _partial = new byte[256];
    private int _partialLength;
    private byte[] _last = new byte[256];
    private int _lastLength;
    private bool _inQuotes;
    private bool _headerDone;
    private long _committed;
    private long _rows;
    private int _resumes;

    public async Task<ExportProgress> RunAsync(CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16, useAsync: true);
        var failures = 0;
        while (true)
        {
            var rowsBefore = _rows;
            try
            {
                var position = LastRow();
                var resumeAfter = position.Device is null ? after : position.Device + ":" + position.Ms.ToString(CultureInfo.InvariantCulture);
                await using var body = await open(resumeAfter, cancellationToken).ConfigureAwait(false);
                await CopyAsync(body, file, skipHeader: _headerDone, cancellationToken).ConfigureAwait(false);
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                return Progress(file);
            }
            catch (Exception ex) when (ExportsClient.IsBrokenTransfer(ex, cancellationToken))
            {
                failures = _rows > rowsBefore ? 1 : failures + 1;
                if (failures > client.MaxResumes)
                {
                    throw;
                }
                // Cut the partial row off; without a complete header the file starts over.
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                file.SetLength(_committed);
                file.Position = _committed;
                _partialLength = 0;
                _inQuotes = false;
                _resumes++;
                await client.DelayAsync(failures - 1, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task CopyAsync(Stream body, FileStream file, bool skipHeader, CancellationToken cancellationToken)
    {
        var buffer = new byte[1 << 16];
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            var start = 0;
            if (skipHeader)
            {
                var end = Array.IndexOf(buffer, (byte)'\n', 0, read);
                if (end < 0)
                {
                    continue;
                }
                skipHeader = false;
                start = end + 1;
            }
            Scan(buffer.AsSpan(start, read - start), file.Position);
            await file.WriteAsync(buffer.AsMemory(start, read - start), cancellationToken).ConfigureAwait(false);
            progress?.Report(Progress(file));
        }
    }

    /// <summary>Counts the rows that end in <paramref name="chunk"/> (to be written at <paramref name="position"/>) and keeps the last.</summary>
    private void Scan(ReadOnlySpan<byte> chunk, long position)
    {
        var lineStart = 0;
        (int Start, int End)? last = null;
        var i = 0;
        while (i < chunk.Length)
        {
            var found = chunk[i..].IndexOfAny((byte)'"', (byte)'\n');
            if (found < 0)
            {
                break;
            }
            i += found;
            if (chunk[i] == (byte)'"')
            {
                _inQuotes = !_inQuotes;
            }
            else if (!_inQuotes)
            {
                _committed = position + i + 1;
                if (!_headerDone)
                {
                    _headerDone = true;
                }
                else if (lineStart == 0 && _partialLength > 0)
                {
                    // The row began in an earlier buffer.
                    Append(ref _partial, ref _partialLength, chunk[..i]);
                    (_last, _partial) = (_partial, _last);
                    _lastLength = _partialLength;
                    _rows++;
                }
                else
                {
                    last = (lineStart, i);
                    _rows++;
                }
                _partialLength = 0;
                lineStart = i + 1;
            }
            i++;
        }
        if (last is { } row)
        {
            _lastLength = 0;
            Append(ref _last, ref _lastLength, chunk[row.Start..row.End]);
        }
        Append(ref _partial, ref _partialLength, chunk[lineStart..]);
    }

    private static void Append(ref byte[] target, ref int length, ReadOnlySpan<byte> bytes)
    {
        if (length + bytes.Length > target.Length)
        {
            Array.Resize(ref target, Math.Max(target.Length * 2, length + bytes.Length));
        }
        bytes.CopyTo(target.AsSpan(length));
        length += bytes.Length;
    }

    /// <summary>The device id and UTC time (first and third fields) of the last complete data row; no device before the first row.</summary>
    private (string? Device, long Ms) LastRow()
    {
        if (_rows == 0)
        {
            return (null, 0);
        }
        var line = _last.AsSpan(0, _lastLength);
        if (line.Length > 0 && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }
        // device_id (an id, never quoted), a field that may be quoted, the UTC time: find the first three fields outside quotes.
        Span<int> commas = stackalloc int[3];
        var found = 0;
        var quoted = false;
        for (var i = 0; i < line.Length && found < 3; i++)
        {
            if (line[i] == (byte)'"')
            {
                quoted = !quoted;
            }
            else if (line[i] == (byte)',' && !quoted)
            {
                commas[found++] = i;
            }
        }
        if (found < 3)
        {
            throw new InvalidDataException("The export sent a row with fewer columns than its header.");
        }
        var ts = Encoding.UTF8.GetString(line[(commas[1] + 1)..commas[2]]);
        var ms = DateTimeOffset.ParseExact(ts, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)
            .ToUnixTimeMilliseconds();
        return (Encoding.UTF8.GetString(line[..commas[0]]), ms);
    }

    private ExportProgress Progress(FileStream file)
    {
        var (device, ms) = LastRow();
        return new(_rows, file.Position, device, device is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(ms), _resumes);
    }
}
