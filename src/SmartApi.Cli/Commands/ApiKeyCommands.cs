using System.CommandLine;
using SmartApi.Contracts;
using Spectre.Console;

namespace SmartApi.Cli.Commands;

/// <summary><c>smart api-keys create|list|revoke</c>.</summary>
internal static class ApiKeyCommands
{
    public static Command Create(CliHost host)
    {
        var command = new Command("api-keys", "API keys of your organization (scope keys:manage).");

        var name = new Option<string>("--name") { Description = "A label, such as the system that uses the key.", Required = true };
        var scopes = new Option<string>("--scopes") { Description = "Comma-separated scopes, such as devices:read,events:read.", Required = true };
        var organization = new Option<string?>("--organization") { Description = "Create the key in this organization (admin keys only)." };
        command.Subcommands.Add(new Command("create", "Create a key; its secret is printed once.").With(name, scopes, organization).Runs(host, async (context, ct) =>
        {
            var key = await context.Client.ApiKeys.CreateAsync(new CreateApiKeyRequest(context.Parse.GetValue(name),
                ListOptions.SplitList(context.Parse.GetValue(scopes)), context.Parse.GetValue(organization)), cancellationToken: ct);
            if (context.Json)
            {
                context.WriteJson(key, SmartApiJsonContext.Default.ApiKeyResponse);
                return ExitCodes.Success;
            }
            context.Success($"Created {key.Id} ({string.Join(", ", key.Scopes)}) in {key.OrganizationId}.");
            context.Console.MarkupLine("[yellow]Secret (shown once, store it now):[/]");
            // The new key goes to stdout alone on its line, so `| tail -1` or a redirect can take it.
            await context.Host.Out.WriteLineAsync(key.Key);
            return ExitCodes.Success;
        }));

        var limit = ListOptions.Limit();
        var all = ListOptions.All();
        command.Subcommands.Add(new Command("list", "List keys (prefixes only; secrets are never shown again).").With(limit, all).Runs(host, async (context, ct) =>
        {
            var keys = await context.CollectAsync("keys", context.Client.ApiKeys.ListAsync(cancellationToken: ct), ListOptions.Take(context, limit, all), ct);
            if (context.Json)
            {
                context.WriteJsonArray(keys, SmartApiJsonContext.Default.ApiKeyResponse);
                return ExitCodes.Success;
            }
            var table = Tables.Create("Id", "Name", "Prefix", "Scopes", "Last used", "Revoked");
            foreach (var k in keys)
            {
                table.AddRow(k.Id, Markup.Escape(k.Name), Markup.Escape(k.Prefix), Markup.Escape(string.Join(",", k.Scopes)), CliContext.Time(k.LastUsedAt), CliContext.Time(k.RevokedAt));
            }
            context.Console.Write(table);
            return ExitCodes.Success;
        }));

        var id = ListOptions.Id("API key");
        command.Subcommands.Add(new Command("revoke", "Revoke a key at once.").With(id).Runs(host, async (context, ct) =>
        {
            var key = await context.Client.ApiKeys.RevokeAsync(context.Parse.GetValue(id)!, cancellationToken: ct);
            if (context.Json)
            {
                context.WriteJson(key, SmartApiJsonContext.Default.ApiKeyResponse);
            }
            else
            {
                context.Success($"Revoked {key.Id} at {CliContext.Time(key.RevokedAt)}.");
            }
            return ExitCodes.Success;
        }));
        return command;
    }
}
