using System.CommandLine;
using SmartApi.Contracts;
using Spectre.Console;

namespace SmartApi.Cli.Commands;

/// <summary><c>smart organizations create|list</c> (admin keys) and <c>retention</c> (the own organization, or any with an admin key).</summary>
internal static class OrganizationCommands
{
    public static Command Create(CliHost host)
    {
        var command = new Command("organizations", "Organizations (tenants); needs an admin key.");

        var name = new Option<string>("--name") { Description = "The organization's name.", Required = true };
        var zone = new Option<string?>("--time-zone") { Description = "The IANA time zone of its local days (default UTC), such as Europe/Zurich." };
        command.Subcommands.Add(new Command("create", "Create an organization.").With(name, zone).Runs(host, async (context, ct) =>
        {
            var organization = await context.Client.Organizations.CreateAsync(
                new CreateOrganizationRequest(context.Parse.GetValue(name), context.Parse.GetValue(zone)), cancellationToken: ct);
            if (context.Json)
            {
                context.WriteJson(organization, SmartApiJsonContext.Default.OrganizationResponse);
            }
            else
            {
                context.Success($"Created {organization.Id} ({organization.Name}).");
            }
            return ExitCodes.Success;
        }));

        var limit = ListOptions.Limit();
        var all = ListOptions.All();
        command.Subcommands.Add(new Command("list", "List organizations.").With(limit, all).Runs(host, async (context, ct) =>
        {
            var organizations = await context.CollectAsync("organizations", context.Client.Organizations.ListAsync(cancellationToken: ct), ListOptions.Take(context, limit, all), ct);
            if (context.Json)
            {
                context.WriteJsonArray(organizations, SmartApiJsonContext.Default.OrganizationResponse);
                return ExitCodes.Success;
            }
            var table = Tables.Create("Id", "Name", "Time zone", "Created");
            foreach (var o in organizations)
            {
                table.AddRow(o.Id, Markup.Escape(o.Name), Markup.Escape(o.TimeZone), CliContext.Time(o.CreatedAt));
            }
            context.Console.Write(table);
            return ExitCodes.Success;
        }));
        command.Subcommands.Add(Retention(host));
        return command;
    }

    private static Command Retention(CliHost host)
    {
        var id = new Option<string?>("--id") { Description = "Another organization's id (admin key); default the key's own organization." };
        var events = new Option<int?>("--events-days") { Description = "Days events (with their deliveries and runs) are kept." };
        var deliveries = new Option<int?>("--deliveries-days") { Description = "Days deliveries are kept (at most --events-days)." };
        var measurements = new Option<int?>("--measurements-days") { Description = "Days raw measurements are kept." };
        var rollups = new Option<int?>("--rollups-days") { Description = "Days energy rollups are kept (default: forever)." };
        var reset = new Option<bool>("--default") { Description = "Go back to the server's defaults." };
        var command = new Command("retention",
            "Show an organization's retention, or replace it: a value left out follows the server's default (keys:manage for the own organization).");
        return command.With(id, events, deliveries, measurements, rollups, reset).Runs(host, async (context, ct) =>
        {
            var target = context.Parse.GetValue(id);
            var settings = new OrganizationRetentionSettings(context.Parse.GetValue(events), context.Parse.GetValue(deliveries),
                context.Parse.GetValue(measurements), context.Parse.GetValue(rollups));
            var change = context.Parse.GetValue(reset) || settings != new OrganizationRetentionSettings() ? settings : null;
            var organizations = context.Client.Organizations;
            var organization = (change, target) switch
            {
                (null, null) => await organizations.GetOwnAsync(ct),
                (null, { } other) => await organizations.GetAsync(other, ct),
                ({ } retention, null) => await organizations.UpdateOwnAsync(new UpdateOwnOrganizationRequest(Retention: retention), ct),
                ({ } retention, { } other) => await organizations.UpdateAsync(other, new UpdateOrganizationRequest(Retention: retention), ct),
            };
            if (context.Json)
            {
                context.WriteJson(organization, SmartApiJsonContext.Default.OrganizationResponse);
                return ExitCodes.Success;
            }
            var own = organization.Retention ?? new OrganizationRetentionSettings();
            var effective = organization.EffectiveRetention ?? new OrganizationRetentionSettings();
            var table = Tables.Create("Data", "Own (days)", "Applies (days)");
            table.AddRow("events", Days(own.EventsDays, "default"), Days(effective.EventsDays, "-"));
            table.AddRow("deliveries", Days(own.DeliveriesDays, "default"), Days(effective.DeliveriesDays, "-"));
            table.AddRow("measurements", Days(own.MeasurementsDays, "default"), Days(effective.MeasurementsDays, "-"));
            table.AddRow("rollups", Days(own.RollupsDays, "forever"), Days(effective.RollupsDays, "forever"));
            context.Console.Write(table);
            return ExitCodes.Success;
        });
    }

    private static string Days(int? days, string otherwise) =>
        days?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? otherwise;
}
