using System.CommandLine;
using System.Globalization;
using SmartApi.Contracts;
using Spectre.Console;

namespace SmartApi.Cli.Commands;

/// <summary><c>smart automations create|list|get|test|rotate-secret|recover</c>.</summary>
internal static class AutomationCommands
{
    public static Command Create(CliHost host)
    {
        var command = new Command("automations", "Automations: when events happen, POST them to a webhook (or switch a device).");

        var name = new Option<string?>("--name") { Description = "The automation's name." };
        var url = new Option<string?>("--url") { Description = "Webhook URL to POST events to." };
        var events = new Option<string>("--events") { Description = "Comma-separated event types, or * for all (default).", DefaultValueFactory = _ => "*" };
        var devices = new Option<string?>("--devices") { Description = "Only events of these device ids, comma-separated." };
        var ordered = new Option<bool>("--ordered") { Description = "Deliver each device's events strictly in order." };
        var standard = new Option<bool>("--standard-webhooks") { Description = "Also send the Standard Webhooks headers." };
        var file = new Option<FileInfo?>("--file") { Description = "Create from a JSON file (the POST /v1/automations body) instead of the options." };
        command.Subcommands.Add(new Command("create", "Create an automation; prints each webhook's signing secret once.")
            .With(name, url, events, devices, ordered, standard, file).Runs(host, async (context, ct) =>
        {
            AutomationRequest request;
            if (context.Parse.GetValue(file) is { } json)
            {
                request = await JsonFiles.ReadAsync(json, SmartApiJsonContext.Default.AutomationRequest, "an automation", ct);
            }
            else
            {
                if (context.Parse.GetValue(name) is not { } automationName || context.Parse.GetValue(url) is not { } webhookUrl)
                {
                    throw new CliException("Give --name and --url (or --file).", ExitCodes.Usage);
                }
                request = new AutomationRequest(automationName, true,
                    new AutomationTrigger(ListOptions.SplitList(context.Parse.GetValue(events)), ListOptions.SplitList(context.Parse.GetValue(devices))), [],
                    [new AutomationActionRequest("webhook", webhookUrl, Ordered: context.Parse.GetValue(ordered), StandardWebhooks: context.Parse.GetValue(standard))]);
            }
            var automation = await context.Client.Automations.CreateAsync(request, cancellationToken: ct);
            Show(context, automation);
            foreach (var secret in automation.Actions.Select(a => a.Secret).OfType<string>())
            {
                if (!context.Json)
                {
                    context.Console.MarkupLine($"[yellow]Signing secret (shown once):[/] {Markup.Escape(secret)}");
                }
            }
            return ExitCodes.Success;
        }));

        var limit = ListOptions.Limit();
        var all = ListOptions.All();
        command.Subcommands.Add(new Command("list", "List automations.").With(limit, all).Runs(host, async (context, ct) =>
        {
            var automations = await context.CollectAsync("automations", context.Client.Automations.ListAsync(cancellationToken: ct), ListOptions.Take(context, limit, all), ct);
            if (context.Json)
            {
                context.WriteJsonArray(automations, SmartApiJsonContext.Default.AutomationResponse);
                return ExitCodes.Success;
            }
            var table = Tables.Create("Id", "Name", "Enabled", "Events", "Actions");
            foreach (var a in automations)
            {
                table.AddRow(a.Id, Markup.Escape(a.Name), a.Enabled ? "yes" : "no", Markup.Escape(string.Join(",", a.Trigger.Events ?? [])),
                    Markup.Escape(string.Join(", ", a.Actions.Select(Describe))));
            }
            context.Console.Write(table);
            return ExitCodes.Success;
        }));

        var getId = ListOptions.Id("automation");
        command.Subcommands.Add(new Command("get", "Show an automation.").With(getId).Runs(host, async (context, ct) =>
        {
            Show(context, await context.Client.Automations.GetAsync(context.Parse.GetValue(getId)!, ct));
            return ExitCodes.Success;
        }));

        var runsId = ListOptions.Id("automation");
        var runsLimit = ListOptions.Limit();
        var runsAll = ListOptions.All();
        command.Subcommands.Add(new Command("runs", "List an automation's runs, newest first: trigger, outcome, commands and errors.")
            .With(runsId).With(runsLimit, runsAll).Runs(host, async (context, ct) =>
        {
            var runs = await context.CollectAsync("runs", context.Client.Automations.ListRunsAsync(context.Parse.GetValue(runsId)!, cancellationToken: ct),
                ListOptions.Take(context, runsLimit, runsAll), ct);
            if (context.Json)
            {
                context.WriteJsonArray(runs, SmartApiJsonContext.Default.AutomationRunResponse);
                return ExitCodes.Success;
            }
            var table = Tables.Create("Id", "When", "Trigger", "Status", "Reason", "Commands");
            foreach (var r in runs)
            {
                table.AddRow(r.Id, r.CreatedAt.ToString("u", System.Globalization.CultureInfo.InvariantCulture), r.Trigger.Type, r.Status,
                    Markup.Escape(r.Reason ?? string.Join("; ", r.Errors)), string.Join(", ", r.CommandIds));
            }
            context.Console.Write(table);
            return ExitCodes.Success;
        }));

        var testId = ListOptions.Id("automation");
        command.Subcommands.Add(new Command("test", "Send an automation.test event to its webhooks now.").With(testId).Runs(host, async (context, ct) =>
        {
            var test = await context.Client.Automations.TestAsync(context.Parse.GetValue(testId)!, cancellationToken: ct);
            if (context.Json)
            {
                context.WriteJson(test, SmartApiJsonContext.Default.AutomationTestResponse);
            }
            else
            {
                context.Success($"Sent {test.Event.Id}; deliveries: {string.Join(", ", test.DeliveryIds)} (see smart deliveries get <id>).");
            }
            return ExitCodes.Success;
        }));

        var rotateId = ListOptions.Id("automation");
        command.Subcommands.Add(new Command("rotate-secret", "Issue a new signing secret; the old one keeps signing for the overlap.").With(rotateId).Runs(host, async (context, ct) =>
        {
            var rotated = await context.Client.Automations.RotateSecretAsync(context.Parse.GetValue(rotateId)!, cancellationToken: ct);
            if (context.Json)
            {
                context.WriteJson(rotated, SmartApiJsonContext.Default.RotateSecretResponse);
            }
            else
            {
                context.Console.MarkupLine($"[yellow]New signing secret (shown once):[/] {Markup.Escape(rotated.Secret)}");
                context.Info($"The previous secret keeps signing until {CliContext.Time(rotated.PreviousSecretsExpireAt)}.");
            }
            return ExitCodes.Success;
        }));

        var recoverId = ListOptions.Id("automation");
        var since = new Option<string>("--since") { Description = "A time (RFC 3339) or an age such as 2h or 3d; at most 14 days back.", Required = true };
        command.Subcommands.Add(new Command("recover", "Queue again every failed delivery since a time.").With(recoverId).With(since).Runs(host, async (context, ct) =>
        {
            var from = ParseSince(context.Parse.GetValue(since)!, context.Host.Time.GetUtcNow());
            var result = await context.ProgressAsync("Queueing failed deliveries...",
                () => context.Client.Automations.RecoverAsync(context.Parse.GetValue(recoverId)!, from, cancellationToken: ct));
            if (context.Json)
            {
                context.WriteJson(result, SmartApiJsonContext.Default.RecoverResponse);
            }
            else
            {
                context.Success($"Queued {result.Queued} deliveries again.");
            }
            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>An RFC 3339 time, or an age: <c>90m</c>, <c>2h</c>, <c>3d</c>.</summary>
    internal static DateTimeOffset ParseSince(string text, DateTimeOffset now)
    {
        if (text.Length > 1 && int.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            switch (text[^1])
            {
                case 'm': return now.AddMinutes(-amount);
                case 'h': return now.AddHours(-amount);
                case 'd': return now.AddDays(-amount);
            }
        }
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? at
            : throw new CliException($"--since '{text}' is neither a time (2026-11-25T17:00:00Z) nor an age (2h, 3d).", ExitCodes.Usage);
    }

    private static string Describe(AutomationActionResponse action) =>
        action.Type == "webhook" ? $"webhook {action.Url} ({action.Status})" : action.Type;

    private static void Show(CliContext context, AutomationResponse automation)
    {
        if (context.Json)
        {
            context.WriteJson(automation, SmartApiJsonContext.Default.AutomationResponse);
            return;
        }
        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow("Id", automation.Id);
        grid.AddRow("Name", Markup.Escape(automation.Name));
        grid.AddRow("Enabled", automation.Enabled ? "yes" : "no");
        grid.AddRow("Events", Markup.Escape(string.Join(",", automation.Trigger.Events ?? [])));
        grid.AddRow("Devices", Markup.Escape(automation.Trigger.DeviceIds is { Count: > 0 } ids ? string.Join(",", ids) : "all"));
        foreach (var action in automation.Actions)
        {
            grid.AddRow("Action", Markup.Escape(Describe(action)));
        }
        grid.AddRow("Updated", CliContext.Time(automation.UpdatedAt));
        context.Console.Write(grid);
    }
}
