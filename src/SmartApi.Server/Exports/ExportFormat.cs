using Microsoft.Net.Http.Headers;

namespace SmartApi.Server.Exports;

/// <summary>The formats of an export, by <c>format=</c> or by the Accept header.</summary>
internal enum ExportFormat
{
    Csv,
    Parquet,
}

internal static class ExportFormats
{
    public const string CsvContentType = "text/csv";
    public const string ParquetContentType = "application/vnd.apache.parquet";

    /// <summary>The format named by <paramref name="format"/>, else the one of ours the Accept header prefers (highest q, then first listed), else CSV; false for an unknown name.</summary>
    public static bool TryChoose(string? format, IList<MediaTypeHeaderValue> accept, out ExportFormat chosen)
    {
        chosen = ExportFormat.Csv;
        if (format is not null)
        {
            switch (format)
            {
                case "csv":
                    return true;
                case "parquet":
                    chosen = ExportFormat.Parquet;
                    return true;
                default:
                    return false;
            }
        }
        foreach (var type in accept.OrderByDescending(t => t.Quality ?? 1))
        {
            if (type.MediaType.Equals(CsvContentType, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
            if (type.MediaType.Equals(ParquetContentType, StringComparison.OrdinalIgnoreCase))
            {
                chosen = ExportFormat.Parquet;
                return true;
            }
        }
        return true;
    }

    /// <summary>The response's Content-Type (RFC 4180 section 3 and RFC 7111's header parameter for CSV).</summary>
    public static string ContentType(ExportFormat format) =>
        format == ExportFormat.Csv ? CsvContentType + "; charset=utf-8; header=present" : ParquetContentType;

    public static string Extension(ExportFormat format) => format == ExportFormat.Csv ? "csv" : "parquet";
}
