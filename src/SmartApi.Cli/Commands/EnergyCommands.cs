using System.CommandLine;
using System.Globalization;
using SmartApi.Contracts;
using Spectre.Console;

namespace SmartApi.Cli.Commands;

/// <summary><c>smart energy device|summary</c>: energy statistics in local time.</summary>
internal static class EnergyCommands
{
    public static Command Create(CliHost host)
    {
        var command = new Command("energy", "Energy, power, on-time and cost per local hour, day, week or month.");

        var deviceId = ListOptions.Id("device");
        var (interval, from, to, timeZone) = RangeOptions();
        command.Subcommands.Add(new Command("device", "A device's energy per bucket.").With(deviceId).With(interval, from, to, timeZone).Runs(host, async (context, ct) =>
        {
            var energy = await context.Client.Energy.GetDeviceAsync(context.Parse.GetValue(deviceId)!, context.Parse.GetValue(from), context.Parse.GetValue(to),
                context.Parse.GetValue(interval), context.Parse.GetValue(timeZone), ct);
            if (context.Json)
            {
                context.WriteJson(energy, SmartApiJsonContext.Default.DeviceEnergyResponse);
                return ExitCodes.Success;
            }
            context.Console.MarkupLine(Markup.Escape($"{energy.DeviceId}  {energy.Interval} buckets in {energy.TimeZone}  total {Wh(energy.EnergyWh)}{CostText(energy.Cost, energy.Currency)}"));
            context.Console.Write(BucketTable(energy.Buckets, energy.Currency));
            return ExitCodes.Success;
        }));

        var groupBy = new Option<string?>("--group-by") { Description = "device (default) or tag:key, such as tag:room." };
        var tag = new Option<string?>("--tag") { Description = "Only devices with this tag: key or key:value." };
        var devices = new Option<string?>("--devices") { Description = "Only these devices: ids separated by commas." };
        var (sInterval, sFrom, sTo, sTimeZone) = RangeOptions();
        var limit = new Option<int?>("--limit") { Description = "Groups per page for --group-by device (1-500)." };
        command.Subcommands.Add(new Command("summary", "The organization's energy: one row per group (device or tag value) with its total.")
            .With(groupBy, tag, devices, sInterval, sFrom, sTo, sTimeZone, limit).Runs(host, async (context, ct) =>
        {
            var energy = await context.Client.Energy.GetOrganizationAsync(context.Parse.GetValue(sFrom), context.Parse.GetValue(sTo), context.Parse.GetValue(sInterval),
                context.Parse.GetValue(sTimeZone), context.Parse.GetValue(groupBy), context.Parse.GetValue(tag), ListOptions.SplitList(context.Parse.GetValue(devices)),
                context.Parse.GetValue(limit), cancellationToken: ct);
            if (context.Json)
            {
                context.WriteJson(energy, SmartApiJsonContext.Default.OrganizationEnergyResponse);
                return ExitCodes.Success;
            }
            var first = energy.Data.Count > 0 ? energy.Data[0].Buckets : null;
            var span = first is { Count: > 0 } ? $" from {first[0].LocalStart} to {first[^1].End:yyyy-MM-dd HH:mm}Z" : "";
            context.Console.MarkupLine(Markup.Escape($"{energy.Interval} buckets in {energy.TimeZone} by {energy.GroupBy}{span}"));
            var table = Tables.Create("Group", "Devices", "Energy", "Cost", "Complete");
            foreach (var group in energy.Data)
            {
                table.AddRow(Markup.Escape(group.Key ?? "(none)"), group.Devices.ToString(CultureInfo.InvariantCulture), Wh(group.EnergyWh),
                    Markup.Escape(Money(group.Cost, energy.Currency)), group.Buckets.All(b => b.Complete) ? "yes" : "[yellow]no[/]");
            }
            context.Console.Write(table);
            if (energy.HasMore)
            {
                context.Console.MarkupLine(Markup.Escape($"More groups follow: --limit, or the API with after={energy.NextCursor}."));
            }
            return ExitCodes.Success;
        }));
        return command;
    }

    private static (Option<string?> Interval, Option<DateTimeOffset?> From, Option<DateTimeOffset?> To, Option<string?> TimeZone) RangeOptions()
    {
        var interval = new Option<string?>("--interval") { Description = "hour, day (default), week or month, in local time." };
        interval.AcceptOnlyFromAmong("hour", "day", "week", "month");
        var from = new Option<DateTimeOffset?>("--from") { Description = "Start, RFC 3339 (default: 30 local days back for days)." };
        var to = new Option<DateTimeOffset?>("--to") { Description = "End, exclusive, RFC 3339 (default: now)." };
        var timeZone = new Option<string?>("--time-zone") { Description = "An IANA time zone such as Europe/Zurich (default: the organization's)." };
        return (interval, from, to, timeZone);
    }

    private static Table BucketTable(IReadOnlyList<EnergyBucket> buckets, string? currency)
    {
        var table = Tables.Create("Start (local)", "Energy", "Avg W", "Peak W", "On h", "Samples", "Coverage", "Cost");
        foreach (var b in buckets)
        {
            var start = b.Complete ? Markup.Escape(b.LocalStart) : $"{Markup.Escape(b.LocalStart)} [yellow]*[/]";
            table.AddRow(start, Wh(b.EnergyWh), Number(b.AvgPowerW), Number(b.PeakPowerW), b.OnHours.ToString("0.##", CultureInfo.InvariantCulture),
                b.Samples.ToString(CultureInfo.InvariantCulture), b.Coverage.ToString("P0", CultureInfo.InvariantCulture), Markup.Escape(Money(b.Cost, currency)));
        }
        table.Caption("[yellow]*[/] incomplete: in progress, or more than 5 minutes without samples");
        return table;
    }

    private static string Wh(double wh) =>
        Math.Abs(wh) >= 1000 ? (wh / 1000).ToString("0.###", CultureInfo.InvariantCulture) + " kWh" : wh.ToString("0.##", CultureInfo.InvariantCulture) + " Wh";

    private static string Number(double? value) => value?.ToString("0.#", CultureInfo.InvariantCulture) ?? "-";

    private static string Money(double? cost, string? currency) =>
        cost is { } c ? $"{c.ToString("0.00", CultureInfo.InvariantCulture)} {currency}" : "-";

    private static string CostText(double? cost, string? currency) => cost is null ? "" : $", cost {Money(cost, currency)}";
}
