using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using SmartApi.Client;
using Spectre.Console;

namespace SmartApi.Cli.Commands;

/// <summary>
/// <c>smart export measurements</c> and <c>smart export energy</c>: a streamed export into a file, resumed by itself
/// when the connection drops.
/// </summary>
internal static class ExportCommands
{
    /// <summary>What both exports take: the range, the devices, the format and zone, and the file.</summary>
    private sealed record Selection(DateTimeOffset From, DateTimeOffset To, string[]? DeviceIds, string? Tag, ExportFileFormat Format, string? TimeZone);

    /// <summary>Runs one export's download into its file, reporting to the progress sink when there is one.</summary>
    private delegate Task<ExportProgress> Download(SmartApiClient client, IProgress<ExportProgress>? progress, CancellationToken cancellationToken);

    public static Command Create(CliHost host)
    {
        var command = new Command("export", "Export data to files (CSV or Parquet).");

        var from = new Option<DateTimeOffset>("--from") { Description = "Start (inclusive), RFC 3339.", Required = true };
        var to = new Option<DateTimeOffset>("--to") { Description = "End (exclusive), RFC 3339.", Required = true };
        var devices = new Option<string[]>("--device") { Description = "A device id; repeat for more. Or use --tag.", AllowMultipleArgumentsPerToken = false };
        var tag = new Option<string?>("--tag") { Description = "Every device with this tag: key:value (or key)." };
        var format = new Option<string>("--format") { Description = "csv or parquet.", DefaultValueFactory = _ => "csv" };
        format.AcceptOnlyFromAmong("csv", "parquet");
        var zone = new Option<string?>("--time-zone") { Description = "IANA time zone of the local-time column (default: the organization's)." };
        var output = new Option<string>("--output", "-o") { Description = "The file to write.", Required = true };
        var interval = new Option<string?>("--interval") { Description = "hour, day (default), week or month, in local time." };
        interval.AcceptOnlyFromAmong("hour", "day", "week", "month");

        Selection Read(CliContext context)
        {
            var ids = context.Parse.GetValue(devices) ?? [];
            var selection = new Selection(context.Parse.GetValue(from), context.Parse.GetValue(to), ids.Length > 0 ? ids : null,
                context.Parse.GetValue(tag), context.Parse.GetValue(format) == "parquet" ? ExportFileFormat.Parquet : ExportFileFormat.Csv,
                context.Parse.GetValue(zone));
            if ((ids.Length > 0) == (selection.Tag is not null))
            {
                throw new CliException("Select devices with --device (repeat it) or with --tag, not both.", ExitCodes.Usage);
            }
            return selection;
        }

        command.Subcommands.Add(new Command("measurements",
                "Export raw measurements. A CSV download that breaks resumes after its last complete row and appends; a Parquet one starts again.")
            .With(from, to, devices, tag, format, zone, output).Runs(host, async (context, ct) =>
        {
            var s = Read(context);
            var query = new MeasurementExportQuery(s.From, s.To, s.DeviceIds, s.Tag, s.Format, s.TimeZone);
            var path = context.Parse.GetValue(output)!;
            return await RunAsync(context, s, path, (client, progress, token) => client.Exports.DownloadMeasurementsAsync(query, path, progress, token), ct);
        }));
        command.Subcommands.Add(new Command("energy",
                "Export energy statistics per device and local hour, day, week or month (energy, power, on-time, coverage, cost). Resumes as measurements do.")
            .With(from, to, interval, devices, tag, format, zone, output).Runs(host, async (context, ct) =>
        {
            var s = Read(context);
            var query = new EnergyExportQuery(s.From, s.To, context.Parse.GetValue(interval), s.DeviceIds, s.Tag, s.Format, s.TimeZone);
            var path = context.Parse.GetValue(output)!;
            return await RunAsync(context, s, path, (client, progress, token) => client.Exports.DownloadEnergyAsync(query, path, progress, token), ct);
        }));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, Selection selection, string path, Download download, CancellationToken cancellationToken)
    {
        var result = await DownloadAsync(context, selection, download, cancellationToken);
        if (context.Json)
        {
            context.Host.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{{\"file\":\"{JsonEncodedText.Encode(path)}\",\"rows\":{result.Rows},\"bytes\":{result.Bytes},\"resumes\":{result.Resumes}}}"));
        }
        else
        {
            context.Success(selection.Format == ExportFileFormat.Csv
                ? $"Wrote {result.Rows:N0} rows ({result.Bytes:N0} bytes) to {path}{Resumed(result)}."
                : $"Wrote {result.Bytes:N0} bytes to {path}{Resumed(result)}.");
        }
        return ExitCodes.Success;
    }

    private static string Resumed(ExportProgress result) => result.Resumes == 0 ? "" : $", resumed {result.Resumes} time(s)";

    private static Task<ExportProgress> DownloadAsync(CliContext context, Selection selection, Download download, CancellationToken cancellationToken)
    {
        if (context.Json || !context.Console.Profile.Capabilities.Interactive)
        {
            return download(context.Client, null, cancellationToken);
        }
        return context.Console.Progress()
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async progressContext =>
            {
                var task = progressContext.AddTask("Starting the export...", maxValue: 1);
                var sorted = selection.DeviceIds?.Order(StringComparer.Ordinal).ToList();
                var progress = new Progress<ExportProgress>(p =>
                {
                    task.Value = Covered(selection.From, selection.To, sorted, p);
                    task.Description = Markup.Escape(p.DeviceId is null
                        ? $"{p.Bytes:N0} bytes"
                        : $"{p.Rows:N0} rows, {p.DeviceId} up to {CliContext.Time(p.Until)}" + (p.Resumes > 0 ? $" (resumed {p.Resumes}x)" : ""));
                });
                var result = await download(context.Client, progress, cancellationToken);
                task.Value = 1;
                return result;
            });
    }

    /// <summary>
    /// The share of the export behind the last row: rows come device by device in id order, each through the time range.
    /// With a tag the number of devices is not known here, so it is the share of the current device's range.
    /// </summary>
    internal static double Covered(DateTimeOffset from, DateTimeOffset to, List<string>? sortedIds, ExportProgress progress)
    {
        if (progress.Until is not { } until)
        {
            return 0;
        }
        var span = (to - from).TotalMilliseconds;
        var inDevice = Math.Clamp((until - from).TotalMilliseconds / span, 0, 1);
        if (sortedIds is not { Count: > 0 } || progress.DeviceId is null)
        {
            return inDevice;
        }
        var index = Math.Max(0, sortedIds.BinarySearch(progress.DeviceId, StringComparer.Ordinal));
        return (index + inDevice) / sortedIds.Count;
    }
}
