using Microsoft.Net.Http.Headers;
using SmartApi.Server.Infrastructure;

namespace SmartApi.Server.Exports;

/// <summary>
/// Streams a table as the response body. Once the body has started, a failure cannot become a problem
/// answer any more, so the connection is aborted: the client sees a broken transfer, not a short file
/// that looks complete, and resumes after its last complete row.
/// </summary>
internal sealed partial class ExportResult(
    ExportFormat format, string fileName, Func<TableWriter, CancellationToken, Task<long>> write, IReadOnlyList<ExportColumn> columns) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        var cancellationToken = httpContext.RequestAborted;
        response.ContentType = ExportFormats.ContentType(format);
        response.Headers.CacheControl = "no-store";
        response.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment")
        {
            FileName = fileName + "." + ExportFormats.Extension(format),
        }.ToString();
        try
        {
            await using TableWriter table = format == ExportFormat.Csv
                ? new CsvTableWriter(columns, response.BodyWriter)
                : new ParquetTableWriter(columns, response.Body);
            await write(table, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        catch (Exception ex) when (response.HasStarted)
        {
            Log.ExportBroken(httpContext.RequestServices.GetRequiredService<ILogger<ExportResult>>(), ex);
            httpContext.Abort();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEvents.ExportBroken, Level = LogLevel.Warning, Message = "An export failed after its body started; the connection was aborted so the client resumes")]
        public static partial void ExportBroken(ILogger logger, Exception exception);
    }
}
