using System.CommandLine;
using System.Globalization;
using SmartApi.Client;
using Spectre.Console;

namespace SmartApi.Cli.Commands;

/// <summary><c>smart export measurements</c>: a streamed export into a file, resumed by itself when the connection drops.</summary>
internal static class ExportCommands
{
    public static Command Create(CliHost host)
    {
        var command = new Command("export", "Export data to files (CSV or Parquet).");

        var from = new Option<DateTimeOffset>("--from") { Description = "Start (inclusive), RFC 3339.", Required = true };
        var to = new Option<DateTimeOffset>("--to") { Description = "End (exclusive), RFC 3339.", Required = true };
        var devices = new Option<string[]>("--device") { Description = "A device id; repeat for more. Or use --tag.", AllowMultipleArgumentsPerToken = false };
        var tag = new Option<string?>("--tag") { Description = "Every device with this tag: key:value (or key)." };
        var format = new Option<string>("--format") { Description = "csv or parquet.", DefaultValueFactory = _ => "csv" };
        format.AcceptOnlyFromAmong("csv", "parquet");
        var zone = new Option<string?>("--time-zone") { Description = "IANA time zone of the ts_local column (default: the organization's)." };
        var output = new Option<string>("--output", "-o") { Description = "The file to write.", Required = true };
        command.Subcommands.Add(new Command("measurements",
                "Export raw measurements. A CSV download that breaks resumes after its last complete row and appends; a Parquet one starts again.")
            .With(from, to, devices, tag, format, zone, output).Runs(host, async (context, ct) =>
        {
            var ids = context.Parse.GetValue(devices) ?? [];
            var query = new MeasurementExportQuery(context.Parse.GetValue(from), context.Parse.GetValue(to), ids.Length > 0 ? ids : null,
                context.Parse.GetValue(tag), context.Parse.GetValue(format) == "parquet" ? ExportFileFormat.Parquet : ExportFileFormat.Csv,
                context.Parse.GetValue(zone));
            if ((ids.Length > 0) == (query.Tag is not null))
            {
                throw new CliException("Select devices with --device (repeat it) or with --tag, not both.", ExitCodes.Usage);
            }
            var path = context.Parse.GetValue(output)!;
            var result = await DownloadAsync(context, query, path, ct);
            if (context.Json)
            {
                context.Host.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{{\"file\":\"{path.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\",\"rows\":{result.Rows},\"bytes\":{result.Bytes},\"resumes\":{result.Resumes}}}"));
            }
            else
            {
                context.Success(query.Format == ExportFileFormat.Csv
                    ? $"Wrote {result.Rows:N0} rows ({result.Bytes:N0} bytes) to {path}{Resumed(result)}."
                    : $"Wrote {result.Bytes:N0} bytes to {path}{Resumed(result)}.");
            }
            return ExitCodes.Success;
        }));
        return command;
    }

    private static string Resumed(ExportProgress result) => result.Resumes == 0 ? "" : $", resumed {result.Resumes} time(s)";

    private static Task<ExportProgress> DownloadAsync(CliContext context, MeasurementExportQuery query, string path, CancellationToken cancellationToken)
    {
        var exports = context.Client.Exports;
        if (context.Json || !context.Console.Profile.Capabilities.Interactive)
        {
            return exports.DownloadMeasurementsAsync(query, path, null, cancellationToken);
        }
        return context.Console.Progress()
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async progressContext =>
            {
                var task = progressContext.AddTask("Starting the export...", maxValue: 1);
                var sorted = query.DeviceIds?.Order(StringComparer.Ordinal).ToList();
                var progress = new Progress<ExportProgress>(p =>
                {
                    task.Value = Covered(query, sorted, p);
                    task.Description = Markup.Escape(p.DeviceId is null
                        ? $"{p.Bytes:N0} bytes"
                        : $"{p.Rows:N0} rows, {p.DeviceId} up to {CliContext.Time(p.Until)}" + (p.Resumes > 0 ? $" (resumed {p.Resumes}x)" : ""));
                });
                var result = await exports.DownloadMeasurementsAsync(query, path, progress, cancellationToken);
                task.Value = 1;
                return result;
            });
    }

    /// <summary>
    /// The share of the export behind the last row: rows come device by device in id order, each through the time range.
    /// With a tag the number of devices is not known here, so it is the share of the current device's range.
    /// </summary>
    internal static double Covered(MeasurementExportQuery query, List<string>? sortedIds, ExportProgress progress)
    {
        if (progress.Until is not { } until)
        {
            return 0;
        }
        var span = (query.To - query.From).TotalMilliseconds;
        var inDevice = Math.Clamp((until - query.From).TotalMilliseconds / span, 0, 1);
        if (sortedIds is not { Count: > 0 } || progress.DeviceId is null)
        {
            return inDevice;
        }
        var index = Math.Max(0, sortedIds.BinarySearch(progress.DeviceId, StringComparer.Ordinal));
        return (index + inDevice) / sortedIds.Count;
    }
}
