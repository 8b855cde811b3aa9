using System.CommandLine;
using System.Globalization;
using SmartApi.Contracts;
using Spectre.Console;

namespace SmartApi.Cli.Commands;

/// <summary><c>smart budgets list|create|delete</c>: energy and cost limits per local day or month.</summary>
internal static class BudgetCommands
{
    public static Command Create(CliHost host)
    {
        var command = new Command("budgets", "Energy budgets: energy.budget_exceeded once per local day or month when a device or tag passes a limit.");
        command.Subcommands.Add(List(host));
        command.Subcommands.Add(CreateBudget(host));
        command.Subcommands.Add(Delete(host));
        return command;
    }

    private static Command List(CliHost host)
    {
        var limit = ListOptions.Limit();
        var all = ListOptions.All();
        return new Command("list", "List budgets, oldest first.").With(limit, all).Runs(host, async (context, ct) =>
        {
            var budgets = await context.CollectAsync("budgets", context.Client.Budgets.ListAsync(cancellationToken: ct), ListOptions.Take(context, limit, all), ct);
            if (context.Json)
            {
                context.WriteJsonArray(budgets, SmartApiJsonContext.Default.BudgetResponse);
                return ExitCodes.Success;
            }
            var table = Tables.Create("Id", "Name", "Covers", "Period", "Energy (Wh)", "Cost");
            foreach (var b in budgets)
            {
                table.AddRow(b.Id, Markup.Escape(b.Name), Markup.Escape(b.DeviceId ?? b.Tag ?? ""), b.Period, Number(b.EnergyWh), Number(b.Cost));
            }
            context.Console.Write(table);
            return ExitCodes.Success;
        });
    }

    private static Command CreateBudget(CliHost host)
    {
        var name = new Option<string>("--name") { Description = "The budget's name.", Required = true };
        var device = new Option<string?>("--device") { Description = "The one device the budget covers (dev_...)." };
        var tag = new Option<string?>("--tag") { Description = "Every device with this tag, as key:value (room:kitchen)." };
        var period = new Option<string>("--period") { Description = "day or month, in the organization's time zone (default day).", DefaultValueFactory = _ => "day" };
        period.AcceptOnlyFromAmong("day", "month");
        var energy = new Option<double?>("--energy-wh") { Description = "The energy limit per period, in Wh." };
        var cost = new Option<double?>("--cost") { Description = "The cost limit per period, in the tariff's currency." };
        return new Command("create", "Create a budget on a device or a tag, with --energy-wh and/or --cost.")
            .With(name, device, tag, period, energy, cost).Runs(host, async (context, ct) =>
        {
            var (deviceId, tagText) = (context.Parse.GetValue(device), context.Parse.GetValue(tag));
            if ((deviceId is null) == (tagText is null))
            {
                throw new CliException("Give --device or --tag (one of them).", ExitCodes.Usage);
            }
            var (energyWh, costLimit) = (context.Parse.GetValue(energy), context.Parse.GetValue(cost));
            if (energyWh is null && costLimit is null)
            {
                throw new CliException("Give --energy-wh, --cost or both.", ExitCodes.Usage);
            }
            var budget = await context.Client.Budgets.CreateAsync(
                new CreateBudgetRequest(context.Parse.GetValue(name), deviceId, tagText, context.Parse.GetValue(period), energyWh, costLimit), cancellationToken: ct);
            if (context.Json)
            {
                context.WriteJson(budget, SmartApiJsonContext.Default.BudgetResponse);
            }
            else
            {
                context.Success($"Created {budget.Id} ({budget.Name}).");
            }
            return ExitCodes.Success;
        });
    }

    private static Command Delete(CliHost host)
    {
        var id = ListOptions.Id("budget");
        return new Command("delete", "Delete a budget.").With(id).Runs(host, async (context, ct) =>
        {
            var budgetId = context.Parse.GetValue(id)!;
            await context.Client.Budgets.DeleteAsync(budgetId, ct);
            context.Success($"Deleted {budgetId}.");
            return ExitCodes.Success;
        });
    }

    private static string Number(double? value) => value?.ToString("0.###", CultureInfo.InvariantCulture) ?? "";
}
