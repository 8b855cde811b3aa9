using System.CommandLine;
using System.Globalization;
using SmartApi.Contracts;
using Spectre.Console;

namespace SmartApi.Cli.Commands;

/// <summary><c>smart tariffs list|show|create|delete</c>.</summary>
internal static class TariffCommands
{
    public static Command Create(CliHost host)
    {
        var command = new Command("tariffs", "Tariffs: energy prices by validity period and time-of-use band, fixed fees, and what they apply to.");

        var file = new Option<FileInfo>("--file") { Description = "The tariff as JSON: the POST /v1/tariffs body (see docs/tariffs.md).", Required = true };
        command.Subcommands.Add(new Command("create", "Create a tariff from a JSON file.").With(file).Runs(host, async (context, ct) =>
        {
            var request = await JsonFiles.ReadAsync(context.Parse.GetValue(file)!, SmartApiJsonContext.Default.CreateTariffRequest, "a tariff", ct);
            Show(context, await context.Client.Tariffs.CreateAsync(request, cancellationToken: ct));
            return ExitCodes.Success;
        }));

        var limit = ListOptions.Limit();
        var all = ListOptions.All();
        command.Subcommands.Add(new Command("list", "List tariffs, oldest first.").With(limit, all).Runs(host, async (context, ct) =>
        {
            var tariffs = await context.CollectAsync("tariffs", context.Client.Tariffs.ListAsync(cancellationToken: ct), ListOptions.Take(context, limit, all), ct);
            if (context.Json)
            {
                context.WriteJsonArray(tariffs, SmartApiJsonContext.Default.TariffResponse);
                return ExitCodes.Success;
            }
            var table = Tables.Create("Id", "Name", "Currency", "Periods", "Applies to");
            foreach (var t in tariffs)
            {
                table.AddRow(t.Id, Markup.Escape(t.Name), t.Currency, t.Periods.Count.ToString(CultureInfo.InvariantCulture), Markup.Escape(AppliesTo(t.AppliesTo)));
            }
            context.Console.Write(table);
            return ExitCodes.Success;
        }));

        var showId = ListOptions.Id("tariff");
        command.Subcommands.Add(new Command("show", "Show a tariff: its periods, bands, fees and targets.").With(showId).Runs(host, async (context, ct) =>
        {
            Show(context, await context.Client.Tariffs.GetAsync(context.Parse.GetValue(showId)!, ct));
            return ExitCodes.Success;
        }));

        var deleteId = ListOptions.Id("tariff");
        command.Subcommands.Add(new Command("delete", "Delete a tariff; what it applied to falls back to the next tariff that applies.").With(deleteId).Runs(host, async (context, ct) =>
        {
            var id = context.Parse.GetValue(deleteId)!;
            await context.Client.Tariffs.DeleteAsync(id, ct);
            context.Success($"Deleted {id}.");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static string AppliesTo(TariffAppliesTo appliesTo)
    {
        var parts = new List<string>();
        if (appliesTo.Organization == true)
        {
            parts.Add("organization");
        }
        parts.AddRange((appliesTo.Tags ?? []).Select(t => "tag " + t));
        parts.AddRange(appliesTo.DeviceIds ?? []);
        return parts.Count == 0 ? "nothing" : string.Join(", ", parts);
    }

    private static void Show(CliContext context, TariffResponse tariff)
    {
        if (context.Json)
        {
            context.WriteJson(tariff, SmartApiJsonContext.Default.TariffResponse);
            return;
        }
        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow("Id", tariff.Id);
        grid.AddRow("Name", Markup.Escape(tariff.Name));
        grid.AddRow("Applies to", Markup.Escape(AppliesTo(tariff.AppliesTo)));
        foreach (var period in tariff.Periods)
        {
            var fees = period.FixedFees is { } f ? $"; fees {f.PerDay ?? 0:0.####}/day, {f.PerMonth ?? 0:0.####}/month" : "";
            grid.AddRow("Period", Markup.Escape(FormattableString.Invariant(
                $"{period.From} to {period.To ?? "open"}: {period.PricePerKwh:0.####} {tariff.Currency}/kWh{fees}")));
            foreach (var band in period.Bands ?? [])
            {
                grid.AddRow("", Markup.Escape(FormattableString.Invariant(
                    $"{band.Name ?? "band"} {(band.Days is { } days ? string.Join(",", days) : "every day")} {band.From}-{band.To}: {band.PricePerKwh:0.####}/kWh")));
            }
        }
        grid.AddRow("Updated", CliContext.Time(tariff.UpdatedAt));
        context.Console.Write(grid);
    }
}
