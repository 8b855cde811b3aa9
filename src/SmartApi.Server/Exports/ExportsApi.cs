using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using SmartApi.Server.ApiKeys;
using SmartApi.Server.Devices;
using SmartApi.Server.Energy;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Exports;

/// <summary><c>/v1/exports</c>: measurements, and energy statistics per local bucket, as one streamed CSV or Parquet file, resumable after any row.</summary>
internal static class ExportsApi
{
    public static RouteGroupBuilder MapExports(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/exports").WithTags("Exports").RequireScope(Scopes.DevicesRead);
        group.MapGet("/measurements", Measurements).WithName("ExportMeasurements")
            .WithSummary("Export raw measurements of selected devices as CSV or Parquet, streamed and resumable.")
            .Produces<string>(StatusCodes.Status200OK, ExportFormats.CsvContentType, ExportFormats.ParquetContentType)
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/energy", Energy).WithName("ExportEnergy")
            .WithSummary("Export the energy statistics of selected devices per local bucket as CSV or Parquet, streamed and resumable.")
            .Produces<string>(StatusCodes.Status200OK, ExportFormats.CsvContentType, ExportFormats.ParquetContentType)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    /// <param name="from">Start (inclusive), RFC 3339.</param>
    /// <param name="to">End (exclusive), RFC 3339.</param>
    /// <param name="deviceId">A device to export; repeat for more (at most 1000). Either this or tag.</param>
    /// <param name="tag">Export every device with this tag: key:value (or key, any value).</param>
    /// <param name="format">csv or parquet; when absent the Accept header decides (text/csv or application/vnd.apache.parquet), else csv.</param>
    /// <param name="timeZone">IANA time zone of the ts_local column; default the organization's.</param>
    /// <param name="after">Resume after this row: device_id:unix-ms of the last complete row received.</param>
    private static async Task<Results<ExportResult, ProblemHttpResult>> Measurements(
        ClaimsPrincipal user, ISmartApiStore store, HttpRequest request,
        string? from, string? to, string[]? deviceId, string? tag, string? format, string? timeZone, string? after,
        CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var start = Required(from, "from", errors);
        var end = Required(to, "to", errors);
        if (start >= end)
        {
            errors.Add("from", "from must be before to.");
        }
        var (selector, chosen, cursor) = SelectionFormatAndCursor(request, deviceId, tag, format, after, errors);
        var organizationId = user.Caller().OrganizationId;
        var zone = await OrganizationTimeZone.ForRequestAsync(timeZone, store, organizationId, errors, cancellationToken);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var (devices, unknown) = await ExportDevices.ResolveAsync(store, organizationId, deviceId, selector, cancellationToken);
        if (devices is null)
        {
            return Problems.NotFound("device", unknown!);
        }
        var serials = devices.ToDictionary(d => d.Id, d => d.Serial, StringComparer.Ordinal);
        var export = new MeasurementExport([.. serials.Keys], start!.Value, end!.Value, cursor);
        return new ExportResult(chosen, $"measurements-{start.Value.UtcDateTime:yyyyMMddTHHmmssZ}",
            (table, token) => MeasurementExporter.WriteAsync(store, table, organizationId, serials, export, zone, token),
            MeasurementExporter.Columns);
    }

    /// <param name="from">Start, RFC 3339; the first bucket is the one holding it.</param>
    /// <param name="to">End (exclusive), RFC 3339; the last bucket is the one holding the instant before it.</param>
    /// <param name="interval">hour, day (default), week (ISO, Monday first) or month, in local time.</param>
    /// <param name="deviceId">A device to export; repeat for more (at most 1000). Either this or tag.</param>
    /// <param name="tag">Export every device with this tag: key:value (or key, any value).</param>
    /// <param name="format">csv or parquet; when absent the Accept header decides (text/csv or application/vnd.apache.parquet), else csv.</param>
    /// <param name="timeZone">IANA time zone of the buckets and the start_local column; default the organization's.</param>
    /// <param name="after">Resume after this row: device_id:unix-ms of the start_utc of the last complete row received.</param>
    private static async Task<Results<ExportResult, ProblemHttpResult>> Energy(
        ClaimsPrincipal user, ISmartApiStore store, EnergyStatistics statistics, TimeProvider time, HttpRequest request,
        string? from, string? to, string? interval, string[]? deviceId, string? tag, string? format, string? timeZone, string? after,
        CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        // Only their presence here: the range parser below parses and checks both (once).
        RequirePresent(from, "from", errors);
        RequirePresent(to, "to", errors);
        var organizationId = user.Caller().OrganizationId;
        var range = await EnergyApi.ParseRangeAsync(store, organizationId, time, from, to, interval, timeZone, errors, cancellationToken);
        var (selector, chosen, cursor) = SelectionFormatAndCursor(request, deviceId, tag, format, after, errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var (devices, unknown) = await ExportDevices.ResolveAsync(store, organizationId, deviceId, selector, cancellationToken);
        if (devices is null)
        {
            return Problems.NotFound("device", unknown!);
        }
        var buckets = LocalCalendar.Buckets(range.From, range.To, range.Interval, range.Zone);
        var export = new EnergyExport(devices, buckets, range.Zone, time.GetUtcNow(), cursor);
        return new ExportResult(chosen, $"energy-{range.IntervalName}-{range.From.UtcDateTime:yyyyMMddTHHmmssZ}",
            (table, token) => EnergyExporter.WriteAsync(statistics, table, organizationId, export, token),
            EnergyExporter.Columns);
    }

    /// <summary>What both exports take alike: the device selection's shape, the format (or the Accept header) and the resume key.</summary>
    private static (TagSelector? Tag, ExportFormat Format, MeasurementKey? Cursor) SelectionFormatAndCursor(
        HttpRequest request, string[]? deviceId, string? tag, string? format, string? after, ValidationErrors errors)
    {
        var selector = ExportDevices.Validate(deviceId, tag, errors);
        if (!ExportFormats.TryChoose(format, request.GetTypedHeaders().Accept, out var chosen))
        {
            errors.Add("format", "format must be csv or parquet.");
        }
        return (selector, chosen, ParseCursor(after, errors));
    }

    private static DateTimeOffset? Required(string? text, string field, ValidationErrors errors) =>
        RequirePresent(text, field, errors) ? QueryTime.Parse(text!, field, errors) : null;

    private static bool RequirePresent(string? text, string field, ValidationErrors errors)
    {
        if (text is null)
        {
            errors.Add(field, $"{field} is required (RFC 3339).");
        }
        return text is not null;
    }

    /// <summary><c>dev_...:1767225600000</c>: the device id and the unix milliseconds of the row to continue after.</summary>
    private static MeasurementKey? ParseCursor(string? after, ValidationErrors errors)
    {
        if (after is null)
        {
            return null;
        }
        var colon = after.LastIndexOf(':');
        if (colon > 0 && IdGenerator.IsWellFormed(after[..colon], "dev")
            && long.TryParse(after.AsSpan(colon + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ms))
        {
            return new MeasurementKey(after[..colon], ms);
        }
        errors.Add("after", "after must be <device_id>:<unix milliseconds> of the last complete row received, such as dev_...:1767225600000.");
        return null;
    }
}
