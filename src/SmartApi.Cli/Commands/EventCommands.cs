using System.CommandLine;
using SmartApi.Client;
using SmartApi.Contracts;
using Spectre.Console;

namespace SmartApi.Cli.Commands;

/// <summary><c>smart events list|tail</c>.</summary>
internal static class EventCommands
{
    public static Option<string?> Types() => new("--types") { Description = "Only these event types, comma-separated (see GET /v1/event-types)." };

    public static Option<string?> Device() => new("--device") { Description = "Only events of this device id." };

    public static Command Create(CliHost host)
    {
        var command = new Command("events", "The event log and its live tail.");

        var types = Types();
        var device = Device();
        var after = new Option<string?>("--after") { Description = "Only events after this event id." };
        var limit = ListOptions.Limit();
        var all = ListOptions.All();
        command.Subcommands.Add(new Command("list", "List events in order of occurrence.").With(types, device, after, limit, all).Runs(host, async (context, ct) =>
        {
            var events = await context.CollectAsync("events", context.Client.Events.ListAsync(ListOptions.SplitList(context.Parse.GetValue(types)),
                context.Parse.GetValue(device), context.Parse.GetValue(after), cancellationToken: ct), ListOptions.Take(context, limit, all), ct);
            if (context.Json)
            {
                context.WriteJsonArray(events, SmartApiJsonContext.Default.EventResponse);
                return ExitCodes.Success;
            }
            var table = Tables.Create("Id", "Time", "Type", "Device");
            foreach (var e in events)
            {
                table.AddRow(e.Id, CliContext.Time(e.CreatedAt), Markup.Escape(e.Type), DeviceOf(e) ?? "-");
            }
            context.Console.Write(table);
            return ExitCodes.Success;
        }));

        var tailTypes = Types();
        var tailDevice = Device();
        var tailAfter = new Option<string?>("--after") { Description = "Start after this event id (replaying what came since); default: new events only." };
        command.Subcommands.Add(new Command("tail", "Print events as they happen (the live stream; reconnects by itself). --json prints one envelope per line.")
            .With(tailTypes, tailDevice, tailAfter).Runs(host, async (context, ct) =>
        {
            var options = new EventStreamOptions
            {
                Types = ListOptions.SplitList(context.Parse.GetValue(tailTypes)),
                DeviceId = context.Parse.GetValue(tailDevice),
                After = context.Parse.GetValue(tailAfter),
                Connected = () => context.Host.Error.WriteLine($"Connected to {context.ServerUrl}; waiting for events (Ctrl+C to stop)."),
                Disconnected = cause => context.Host.Error.WriteLine($"Connection lost ({cause?.Message ?? "closed"}); reconnecting..."),
            };
            await foreach (var e in context.Client.Events.StreamAsync(options, ct))
            {
                if (context.Json)
                {
                    // The envelope as received: the same bytes a webhook would carry, one per line.
                    await context.Host.Out.WriteLineAsync(e.Json);
                    await context.Host.Out.FlushAsync(ct);
                    continue;
                }
                var parsed = e.ToEvent();
                context.Console.MarkupLine($"{CliContext.Time(parsed.CreatedAt)}  [bold]{Markup.Escape(e.Type)}[/]  {e.Id}  {DeviceOf(parsed) ?? ""}");
            }
            return ExitCodes.Success;
        }));
        return command;
    }

    public static string? DeviceOf(EventResponse e) =>
        e.Data.ValueKind == System.Text.Json.JsonValueKind.Object && e.Data.TryGetProperty("deviceId", out var id) ? id.GetString() : null;
}
