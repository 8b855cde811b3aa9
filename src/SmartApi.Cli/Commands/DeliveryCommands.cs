using System.CommandLine;
using SmartApi.Contracts;
using Spectre.Console;

namespace SmartApi.Cli.Commands;

/// <summary><c>smart deliveries list|get|retry</c>.</summary>
internal static class DeliveryCommands
{
    public static Command Create(CliHost host)
    {
        var command = new Command("deliveries", "Webhook deliveries and their attempts.");

        var automation = new Option<string?>("--automation") { Description = "Only deliveries of this automation." };
        var eventId = new Option<string?>("--event") { Description = "Only deliveries of this event." };
        var status = new Option<string?>("--status") { Description = "pending, succeeded or failed." };
        status.AcceptOnlyFromAmong("pending", "succeeded", "failed");
        var limit = ListOptions.Limit();
        var all = ListOptions.All();
        command.Subcommands.Add(new Command("list", "List deliveries, newest state first as the server orders them.").With(automation, eventId, status, limit, all).Runs(host, async (context, ct) =>
        {
            var deliveries = await context.CollectAsync("deliveries", context.Client.Deliveries.ListAsync(context.Parse.GetValue(automation),
                context.Parse.GetValue(eventId), context.Parse.GetValue(status), cancellationToken: ct), ListOptions.Take(context, limit, all), ct);
            if (context.Json)
            {
                context.WriteJsonArray(deliveries, SmartApiJsonContext.Default.DeliveryResponse);
                return ExitCodes.Success;
            }
            var table = Tables.Create("Id", "Event", "Type", "Status", "Attempts", "Last", "Next attempt");
            foreach (var d in deliveries)
            {
                table.AddRow(d.Id, d.EventId, Markup.Escape(d.EventType), StatusMarkup(d.Status), d.AttemptCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Markup.Escape(d.LastStatusCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? d.LastError ?? "-"), CliContext.Time(d.NextAttemptAt));
            }
            context.Console.Write(table);
            return ExitCodes.Success;
        }));

        var getId = ListOptions.Id("delivery");
        command.Subcommands.Add(new Command("get", "Show a delivery with every attempt.").With(getId).Runs(host, async (context, ct) =>
        {
            var delivery = await context.Client.Deliveries.GetAsync(context.Parse.GetValue(getId)!, ct);
            if (context.Json)
            {
                context.WriteJson(delivery, SmartApiJsonContext.Default.DeliveryResponse);
                return ExitCodes.Success;
            }
            context.Console.MarkupLine($"{delivery.Id}  {Markup.Escape(delivery.EventType)} {delivery.EventId} -> {Markup.Escape(delivery.Url)}  {StatusMarkup(delivery.Status)}");
            var table = Tables.Create("#", "Started", "Status", "Duration", "Error", "Response");
            foreach (var a in delivery.Attempts ?? [])
            {
                table.AddRow(a.Number.ToString(System.Globalization.CultureInfo.InvariantCulture), CliContext.Time(a.StartedAt),
                    a.StatusCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-", $"{a.DurationMs} ms",
                    Markup.Escape(a.Error ?? ""), Markup.Escape(Shorten(a.ResponseBody)));
            }
            context.Console.Write(table);
            return ExitCodes.Success;
        }));

        var retryId = ListOptions.Id("delivery");
        command.Subcommands.Add(new Command("retry", "Send a delivery again now.").With(retryId).Runs(host, async (context, ct) =>
        {
            var delivery = await context.Client.Deliveries.RetryAsync(context.Parse.GetValue(retryId)!, cancellationToken: ct);
            if (context.Json)
            {
                context.WriteJson(delivery, SmartApiJsonContext.Default.DeliveryResponse);
            }
            else
            {
                context.Success($"Queued {delivery.Id} again.");
            }
            return ExitCodes.Success;
        }));
        return command;
    }

    private static string StatusMarkup(string status) => status switch
    {
        "succeeded" => "[green]succeeded[/]",
        "failed" => "[red]failed[/]",
        _ => Markup.Escape(status),
    };

    private static string Shorten(string? text) => text is null ? "" : text.Length > 60 ? text[..60] + "..." : text;
}
