namespace SmartApi.Server.Exports;

/// <summary>What a column holds; each format decides how to write it.</summary>
internal enum ExportColumnKind
{
    /// <summary>A string (CSV quotes it where needed).</summary>
    Text,
    /// <summary>An instant in UTC, millisecond precision.</summary>
    UtcTime,
    /// <summary>The same instant on the wall clock of the export's time zone, with its offset.</summary>
    LocalTime,
    /// <summary>A double, shortest round-trip form, invariant culture; null is an empty cell.</summary>
    Number,
    /// <summary>A whole number (a count).</summary>
    Integer,
    /// <summary><c>true</c> or <c>false</c>.</summary>
    Boolean,
}

/// <summary>One column of an export: its name in the header (CSV) or schema (Parquet).</summary>
internal sealed record ExportColumn(string Name, ExportColumnKind Kind, bool Nullable = false);

/// <summary>
/// A table written row by row in one format. A row is one call per column, in the schema's order,
/// then <see cref="EndRowAsync"/>; the writer flushes to its output as it goes, so memory stays bounded
/// by its own buffer (CSV) or one row group (Parquet), whatever the number of rows. Any export (measurements,
/// energy buckets) is a column schema plus a loop over its rows.
/// </summary>
internal abstract class TableWriter : IAsyncDisposable
{
    public abstract void WriteText(string? value);

    /// <summary>A <see cref="ExportColumnKind.UtcTime"/> cell: unix milliseconds.</summary>
    public abstract void WriteUtc(long unixMs);

    /// <summary>A <see cref="ExportColumnKind.LocalTime"/> cell: the instant and the zone's offset at it.</summary>
    public abstract void WriteLocal(long unixMs, TimeSpan offset);

    public abstract void WriteNumber(double? value);

    /// <summary>An <see cref="ExportColumnKind.Integer"/> cell.</summary>
    public abstract void WriteInteger(long value);

    /// <summary>A <see cref="ExportColumnKind.Boolean"/> cell.</summary>
    public abstract void WriteBoolean(bool value);

    /// <summary>Ends the row; may wait for the output to take what is buffered (back pressure).</summary>
    public abstract ValueTask EndRowAsync(CancellationToken cancellationToken);

    /// <summary>Writes what remains (the last rows, Parquet's footer) and flushes.</summary>
    public abstract ValueTask CompleteAsync(CancellationToken cancellationToken);

    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}
