namespace SmartApi.Client;

/// <summary>The file format of an export.</summary>
public enum ExportFileFormat
{
    /// <summary>RFC 4180 CSV with a header row.</summary>
    Csv,
    /// <summary>Apache Parquet.</summary>
    Parquet,
}

/// <summary>What <c>GET /v1/exports/measurements</c> exports.</summary>
/// <param name="From">Start (inclusive).</param>
/// <param name="To">End (exclusive).</param>
/// <param name="DeviceIds">The devices (at most 1000; a GET request line holds about 200); or use <paramref name="Tag"/>.</param>
/// <param name="Tag">Every device with this tag, <c>key:value</c> or <c>key</c>.</param>
/// <param name="Format">CSV or Parquet.</param>
/// <param name="TimeZone">IANA zone of the <c>ts_local</c> column; the organization's when null.</param>
/// <param name="After">Continue after this row: <c>device_id:unix-ms</c>.</param>
public sealed record MeasurementExportQuery(
    DateTimeOffset From,
    DateTimeOffset To,
    IReadOnlyList<string>? DeviceIds = null,
    string? Tag = null,
    ExportFileFormat Format = ExportFileFormat.Csv,
    string? TimeZone = null,
    string? After = null);

/// <summary>What <c>GET /v1/exports/energy</c> exports: the energy statistics per device and local bucket.</summary>
/// <param name="From">Start; the first bucket is the one holding it.</param>
/// <param name="To">End (exclusive).</param>
/// <param name="Interval"><c>hour</c>, <c>day</c> (server default), <c>week</c> or <c>month</c>, in local time.</param>
/// <param name="DeviceIds">The devices (at most 1000; a GET request line holds about 200); or use <paramref name="Tag"/>.</param>
/// <param name="Tag">Every device with this tag, <c>key:value</c> or <c>key</c>.</param>
/// <param name="Format">CSV or Parquet.</param>
/// <param name="TimeZone">IANA zone of the buckets and the <c>start_local</c> column; the organization's when null.</param>
/// <param name="After">Continue after this row: <c>device_id:unix-ms</c> of its <c>start_utc</c>.</param>
public sealed record EnergyExportQuery(
    DateTimeOffset From,
    DateTimeOffset To,
    string? Interval = null,
    IReadOnlyList<string>? DeviceIds = null,
    string? Tag = null,
    ExportFileFormat Format = ExportFileFormat.Csv,
    string? TimeZone = null,
    string? After = null);

/// <summary>How far a download has got.</summary>
/// <param name="Rows">CSV rows written to the file so far (0 for Parquet, whose rows are only known at its end).</param>
/// <param name="Bytes">Bytes written to the file so far.</param>
/// <param name="DeviceId">The device of the last complete row (CSV).</param>
/// <param name="Until">The time (measurements) or bucket start (energy) of the last complete row (CSV).</param>
/// <param name="Resumes">How many times the transfer broke and was taken up again.</param>
public readonly record struct ExportProgress(long Rows, long Bytes, string? DeviceId, DateTimeOffset? Until, int Resumes);

/// <summary><c>/v1/exports</c>: measurements and energy statistics as a CSV or Parquet file, streamed, with downloads that resume.</summary>
public sealed class ExportsClient
{
    private readonly SmartApiTransport _transport;

    internal ExportsClient(SmartApiTransport transport) => _transport = transport;

    /// <summary>From <see cref="SmartApiClientOptions.ExportMaxResumes"/>.</summary>
    internal int MaxResumes => _transport.Options.ExportMaxResumes;

    /// <summary>
    /// Opens <c>GET /v1/exports/measurements</c> and returns the body as it arrives (the caller disposes it). A 4xx
    /// throws <see cref="SmartApiException"/> before any byte is read.
    /// </summary>
    public Task<Stream> OpenMeasurementsAsync(MeasurementExportQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return OpenAsync(MeasurementsPath(query), cancellationToken);
    }

    /// <summary>
    /// Opens <c>GET /v1/exports/energy</c> and returns the body as it arrives (the caller disposes it). A 4xx
    /// throws <see cref="SmartApiException"/> before any byte is read.
    /// </summary>
    public Task<Stream> OpenEnergyAsync(EnergyExportQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return OpenAsync(EnergyPath(query), cancellationToken);
    }

    /// <summary>
    /// Downloads an export into <paramref name="path"/>, resuming when the connection breaks. CSV: the file is cut back
    /// to its last complete row and the rest is asked for with <c>after=</c> that row and appended (its header left
    /// out), so the file equals one uninterrupted export. Parquet keeps its footer at the end, so a broken file is
    /// unreadable and its last row unknown: the download starts again into <c>path.partial</c>, renamed when complete.
    /// </summary>
    public Task<ExportProgress> DownloadMeasurementsAsync(MeasurementExportQuery query, string path, IProgress<ExportProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return DownloadAsync(query.Format, query.After, (after, ct) => OpenMeasurementsAsync(query with { After = after }, ct), path, progress, cancellationToken);
    }

    /// <summary>Downloads an energy export into <paramref name="path"/>, resuming as <see cref="DownloadMeasurementsAsync"/> does.</summary>
    public Task<ExportProgress> DownloadEnergyAsync(EnergyExportQuery query, string path, IProgress<ExportProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return DownloadAsync(query.Format, query.After, (after, ct) => OpenEnergyAsync(query with { After = after }, ct), path, progress, cancellationToken);
    }

    private async Task<Stream> OpenAsync(string path, CancellationToken cancellationToken)
    {
        var response = await _transport.SendWithRetriesAsync(HttpMethod.Get, path, null, null, null,
            HttpCompletionOption.ResponseHeadersRead, cancellationToken, stream: true).ConfigureAwait(false);
        try
        {
            await SmartApiTransport.EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
            return new OwningStream(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), response);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>Opens the export again from the row after <c>after</c> (null: from the start).</summary>
    internal delegate Task<Stream> ExportOpener(string? after, CancellationToken cancellationToken);

    private async Task<ExportProgress> DownloadAsync(ExportFileFormat format, string? after, ExportOpener open, string path,
        IProgress<ExportProgress>? progress, CancellationToken cancellationToken) =>
        format == ExportFileFormat.Csv
            ? await new CsvDownload(this, open, after, path, progress).RunAsync(cancellationToken).ConfigureAwait(false)
            : await DownloadParquetAsync(() => open(after, cancellationToken), path, progress, cancellationToken).ConfigureAwait(false);

    private async Task<ExportProgress> DownloadParquetAsync(Func<Task<Stream>> open, string path, IProgress<ExportProgress>? progress, CancellationToken cancellationToken)
    {
        var partial = path + ".partial";
        for (var resumes = 0; ; resumes++)
        {
            try
            {
                long bytes = 0;
                await using (var body = await open().ConfigureAwait(false))
                await using (var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
                {
                    var buffer = new byte[1 << 16];
                    int read;
                    while ((read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                    {
                        await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                        bytes += read;
                        progress?.Report(new ExportProgress(0, bytes, null, null, resumes));
                    }
                }
                File.Move(partial, path, overwrite: true);
                return new ExportProgress(0, bytes, null, null, resumes);
            }
            catch (Exception ex) when (IsBrokenTransfer(ex, cancellationToken) && resumes < MaxResumes)
            {
                await _transport.DelayAsync(_transport.Backoff(resumes), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    internal static bool IsBrokenTransfer(Exception exception, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested && exception is IOException or HttpRequestException or TimeoutException;

    internal Task DelayAsync(int attempt, CancellationToken cancellationToken) => _transport.DelayAsync(_transport.Backoff(attempt), cancellationToken);

    internal static string MeasurementsPath(MeasurementExportQuery query)
    {
        return Selection(new Query("v1/exports/measurements").Add("from", query.From).Add("to", query.To),
            query.DeviceIds, query.Tag, query.Format, query.TimeZone, query.After);
    }

    private static string Selection(Query path, IReadOnlyList<string>? deviceIds, string? tag, ExportFileFormat format, string? timeZone, string? after)
    {
        foreach (var id in deviceIds ?? [])
        {
            path.Add("deviceId", id);
        }
        return path.Add("tag", tag)
            .Add("format", format == ExportFileFormat.Csv ? "csv" : "parquet")
            .Add("timeZone", timeZone)
            .Add("after", after)
            .ToString();
    }

    internal static string EnergyPath(EnergyExportQuery query) =>
        Selection(new Query("v1/exports/energy").Add("from", query.From).Add("to", query.To).Add("interval", query.Interval),
            query.DeviceIds, query.Tag, query.Format, query.TimeZone, query.After);

    /// <summary>The response body, disposing its response with it.</summary>
    private sealed class OwningStream(Stream inner, HttpResponseMessage response) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                response.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
