using System.CommandLine;
using SmartApi.Contracts;
using Spectre.Console;

namespace SmartApi.Cli.Commands;

/// <summary><c>smart devices list|count|get|create|rotate-credentials|switch|erase</c>.</summary>
internal static class DeviceCommands
{
    public static Command Create(CliHost host)
    {
        var command = new Command("devices", "Smart plugs: list, inspect, register, switch, erase.");

        var online = new Option<bool?>("--online") { Description = "Only connected (true) or disconnected (false) devices." };
        var tag = new Option<string?>("--tag") { Description = "Only devices with this tag: key or key:value." };
        var limit = ListOptions.Limit();
        var all = ListOptions.All();
        command.Subcommands.Add(new Command("list", "List devices.").With(online, tag, limit, all).Runs(host, async (context, ct) =>
        {
            var devices = await context.CollectAsync("devices",
                context.Client.Devices.ListAsync(context.Parse.GetValue(online), context.Parse.GetValue(tag), cancellationToken: ct), ListOptions.Take(context, limit, all), ct);
            if (context.Json)
            {
                context.WriteJsonArray(devices, SmartApiJsonContext.Default.DeviceResponse);
                return ExitCodes.Success;
            }
            var table = Tables.Create("Id", "Serial", "Name", "Online", "Switch", "Power", "Last seen");
            foreach (var d in devices)
            {
                table.AddRow(d.Id, Markup.Escape(d.Serial), Markup.Escape(d.Name), d.Online ? "[green]yes[/]" : "no", d.Switch.ToString().ToLowerInvariant(),
                    d.Measurement?.PowerW is { } watts ? $"{watts:0.#} W" : "-", CliContext.Time(d.LastSeenAt));
            }
            context.Console.Write(table);
            return ExitCodes.Success;
        }));

        command.Subcommands.Add(new Command("count", "Count devices (the list's filters) without listing them.").With(online, tag).Runs(host, async (context, ct) =>
        {
            var count = await context.Client.Devices.CountAsync(context.Parse.GetValue(online), context.Parse.GetValue(tag), ct);
            if (context.Json)
            {
                context.WriteJson(new DeviceCount(count), SmartApiJsonContext.Default.DeviceCount);
            }
            else
            {
                context.Console.WriteLine(count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            return ExitCodes.Success;
        }));

        var getId = ListOptions.Id("device");
        command.Subcommands.Add(new Command("get", "Show a device.").With(getId).Runs(host, async (context, ct) =>
        {
            var device = await context.Client.Devices.GetAsync(context.Parse.GetValue(getId)!, ct);
            Show(context, device);
            return ExitCodes.Success;
        }));

        var serial = new Option<string>("--serial") { Description = "The serial number (also its MQTT user name).", Required = true };
        var name = new Option<string>("--name") { Description = "A name for people.", Required = true };
        var model = new Option<string?>("--model") { Description = "The hardware model, such as DT31." };
        var tags = new Option<string[]>("--tag") { Description = "A tag key=value; repeat for more.", AllowMultipleArgumentsPerToken = false };
        command.Subcommands.Add(new Command("create", "Register a device; prints its MQTT credentials once.").With(serial, name, model, tags).Runs(host, async (context, ct) =>
        {
            var tagMap = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var pair in context.Parse.GetValue(tags) ?? [])
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    throw new CliException($"--tag '{pair}' must look like key=value.", ExitCodes.Usage);
                }
                tagMap[pair[..equals]] = pair[(equals + 1)..];
            }
            var device = await context.Client.Devices.CreateAsync(new CreateDeviceRequest(context.Parse.GetValue(serial), context.Parse.GetValue(name),
                context.Parse.GetValue(model), tagMap.Count > 0 ? tagMap : null), cancellationToken: ct);
            Show(context, device);
            if (!context.Json && device.Credentials is { } credentials)
            {
                context.Console.MarkupLine($"[yellow]MQTT password (shown once):[/] {Markup.Escape(credentials.MqttPassword)}");
            }
            return ExitCodes.Success;
        }));

        var eraseId = ListOptions.Id("device");
        command.Subcommands.Add(new Command("erase", "Erase a device's measurements and the payloads of its events and deliveries (ids and types remain).")
            .With(eraseId).Runs(host, async (context, ct) =>
        {
            var erasure = await context.Client.Devices.EraseAsync(context.Parse.GetValue(eraseId)!, cancellationToken: ct);
            if (context.Json)
            {
                context.WriteJson(erasure, SmartApiJsonContext.Default.DeviceErasureResponse);
                return ExitCodes.Success;
            }
            context.Console.MarkupLine($"Erased {erasure.DeviceId} ({erasure.Id}): {erasure.MeasurementsDeleted} measurement rows deleted, " +
                $"{erasure.EventsErased} events and {erasure.DeliveriesErased} deliveries blanked.");
            return ExitCodes.Success;
        }));

        var rotateId = ListOptions.Id("device");
        command.Subcommands.Add(new Command("rotate-credentials", "Issue a new MQTT password, shown once; the old one stops working.").With(rotateId).Runs(host, async (context, ct) =>
        {
            var credentials = await context.Client.Devices.RotateCredentialsAsync(context.Parse.GetValue(rotateId)!, cancellationToken: ct);
            if (context.Json)
            {
                context.WriteJson(credentials, SmartApiJsonContext.Default.DeviceCredentials);
            }
            else
            {
                context.Console.MarkupLine($"[yellow]MQTT user name:[/] {Markup.Escape(credentials.MqttUsername)}");
                context.Console.MarkupLine($"[yellow]New MQTT password (shown once):[/] {Markup.Escape(credentials.MqttPassword)}");
            }
            return ExitCodes.Success;
        }));

        command.Subcommands.Add(DeviceSwitchCommand.Create(host));
        return command;
    }

    private static void Show(CliContext context, DeviceResponse device)
    {
        if (context.Json)
        {
            context.WriteJson(device, SmartApiJsonContext.Default.DeviceResponse);
            return;
        }
        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow("Id", device.Id);
        grid.AddRow("Serial", Markup.Escape(device.Serial));
        grid.AddRow("Name", Markup.Escape(device.Name));
        grid.AddRow("Model", Markup.Escape(device.Model ?? "-"));
        grid.AddRow("Online", device.Online ? "yes" : "no");
        grid.AddRow("Switch", device.Switch.ToString().ToLowerInvariant());
        grid.AddRow("Last seen", CliContext.Time(device.LastSeenAt));
        grid.AddRow("Power", device.Measurement?.PowerW is { } watts ? $"{watts:0.##} W" : "-");
        grid.AddRow("Tags", Markup.Escape(string.Join(", ", device.Tags.Select(t => $"{t.Key}={t.Value}"))));
        grid.AddRow("Created", CliContext.Time(device.CreatedAt));
        context.Console.Write(grid);
    }
}
