using System.Globalization;

namespace SmartApi.Client;

/// <summary>
/// One CSV export into a file, resumed after its last complete row whenever the transfer breaks. Rows end at a
/// line feed outside quotes (a quoted field may hold line breaks); the file is written as bytes arrive and cut
/// back to the last complete row before the rest is asked for, its header row left out.
/// </summary>
internal sealed class CsvDownload(ExportsClient client, MeasurementExportQuery query, string path, IProgress<ExportProgress>? progress)
{
    private byte[] _line = new byte[256];
    private int _lineLength;
    private bool _inQuotes;
    private bool _headerDone;
    private long _committed;
    private long _rows;
    private string? _device;
    private long _lastMs;
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
                var after = _device is null ? query.After : _device + ":" + _lastMs.ToString(CultureInfo.InvariantCulture);
                await using var body = await client.OpenMeasurementsAsync(query with { After = after }, cancellationToken).ConfigureAwait(false);
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
                _lineLength = 0;
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
            var position = file.Position;
            for (var i = start; i < read; i++)
            {
                var b = buffer[i];
                if (b == (byte)'"')
                {
                    _inQuotes = !_inQuotes;
                }
                if (b == (byte)'\n' && !_inQuotes)
                {
                    EndLine(position + (i - start) + 1);
                    continue;
                }
                if (_lineLength == _line.Length)
                {
                    Array.Resize(ref _line, _line.Length * 2);
                }
                _line[_lineLength++] = b;
            }
            await file.WriteAsync(buffer.AsMemory(start, read - start), cancellationToken).ConfigureAwait(false);
            progress?.Report(Progress(file));
        }
    }

    private void EndLine(long fileLengthAfter)
    {
        _committed = fileLengthAfter;
        var line = _line.AsSpan(0, _lineLength);
        _lineLength = 0;
        if (!_headerDone)
        {
            _headerDone = true;
            return;
        }
        _rows++;
        // device_id (an id, never quoted), serial (may be quoted), ts_utc: find the first three fields outside quotes.
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
        _device = System.Text.Encoding.UTF8.GetString(line[..commas[0]]);
        var ts = System.Text.Encoding.UTF8.GetString(line[(commas[1] + 1)..commas[2]]);
        _lastMs = DateTimeOffset.ParseExact(ts, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)
            .ToUnixTimeMilliseconds();
    }

    private ExportProgress Progress(FileStream file) =>
        new(_rows, file.Position, _device, _device is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(_lastMs), _resumes);
}
