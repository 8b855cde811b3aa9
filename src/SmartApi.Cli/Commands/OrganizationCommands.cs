using System.CommandLine;
using SmartApi.Contracts;
using Spectre.Console;

namespace SmartApi.Cli.Commands;

/// <summary><c>smart organizations create|list</c> (admin keys).</summary>
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
        return command;
    }
}
