using System.CommandLine;
using SmartApi.Client;
using SmartApi.Contracts;
using Spectre.Console;

namespace SmartApi.Cli.Commands;

/// <summary>
/// <c>smart devices switch &lt;id&gt; &lt;state&gt;</c> for one device, and
/// <c>smart devices switch &lt;state&gt; --tag room:kitchen</c> (or <c>--device</c>, repeated) for a
/// bulk switch, which prints each device's command and status.
/// </summary>
internal static class DeviceSwitchCommand
{
    public static Command Create(CliHost host)
    {
        var targets = new Argument<string[]>("target")
        {
            Description = "<id> <state> for one device; <state> alone with --tag or --device. The state is on, off or toggle.",
            Arity = new ArgumentArity(1, 2),
        };
        var tag = new Option<string?>("--tag") { Description = "Switch every device with this tag (key:value, or key for any value; at most 1000)." };
        var devices = new Option<string[]>("--device") { Description = "Switch this device with the others (repeat it; at most 1000)." };
        var wait = new Option<bool>("--wait") { Description = "Wait until the devices acknowledge their commands (or they fail or expire)." };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait with --wait (default 30).", DefaultValueFactory = _ => 30 };
        return new Command("switch", "Switch a device, every device with a tag, or a list of devices on, off, or toggle them.")
            .With(targets).With(tag, devices, wait, timeout).Runs(host, async (context, ct) =>
        {
            var words = context.Parse.GetValue(targets) ?? [];
            var selectedTag = context.Parse.GetValue(tag);
            var selectedIds = context.Parse.GetValue(devices) ?? [];
            var waitFor = context.Parse.GetValue(wait) ? TimeSpan.FromSeconds(context.Parse.GetValue(timeout)) : (TimeSpan?)null;
            if (selectedTag is null && selectedIds.Length == 0)
            {
                return words.Length == 2
                    ? await SwitchOneAsync(context, words[0], State(words[1]), waitFor, ct)
                    : throw new CliException("Give <id> <state> for one device, or <state> with --tag or --device.", ExitCodes.Usage);
            }
            if (words.Length != 1 || (selectedTag is not null && selectedIds.Length > 0))
            {
                throw new CliException("With --tag or --device give only the state (on, off or toggle), and one of --tag or --device.", ExitCodes.Usage);
            }
            var selector = selectedTag is not null ? DeviceSelector.WithTag(selectedTag) : DeviceSelector.Ids(selectedIds);
            return await SwitchManyAsync(context, selector, State(words[0]), waitFor, ct);
        });
    }

    private static SwitchAction State(string word) =>
        word.ToLowerInvariant() switch
        {
            "on" => SwitchAction.On,
            "off" => SwitchAction.Off,
            "toggle" => SwitchAction.Toggle,
            _ => throw new CliException($"'{word}' is not a state: on, off or toggle.", ExitCodes.Usage),
        };

    private static async Task<int> SwitchOneAsync(CliContext context, string deviceId, SwitchAction state, TimeSpan? waitFor, CancellationToken ct)
    {
        var sent = await context.Client.Devices.SwitchAsync(deviceId, state, cancellationToken: ct);
        if (waitFor is { } timeout)
        {
            sent = await UntilFinalAsync(context, sent, c => c.Status is CommandStatus.Pending or CommandStatus.Delivered,
                () => context.Client.Devices.GetCommandAsync(deviceId, sent.Id, ct), timeout, ct);
        }
        if (context.Json)
        {
            context.WriteJson(sent, SmartApiJsonContext.Default.CommandResponse);
        }
        else
        {
            context.Info($"Command {sent.Id}: {sent.State.ToString().ToLowerInvariant()} is {sent.Status.ToString().ToLowerInvariant()}"
                + (sent.Error is { } error ? $" ({error})" : ""));
        }
        // With --wait, only an acknowledgement is success: a command still pending at the timeout
        // did not switch the device, and a script checking $? must see that.
        return Succeeded(sent.Status, waitFor is not null) ? ExitCodes.Success : ExitCodes.Failure;
    }

    private static async Task<int> SwitchManyAsync(CliContext context, DeviceSelector selector, SwitchAction state, TimeSpan? waitFor, CancellationToken ct)
    {
        var batch = await context.Client.Devices.SwitchAsync(selector, state, cancellationToken: ct);
        if (waitFor is { } timeout && batch.BatchId is { } batchId)
        {
            batch = await UntilFinalAsync(context, batch, b => b.Commands.Any(c => c.Status is CommandStatus.Pending or CommandStatus.Delivered),
                () => context.Client.Devices.GetSwitchBatchAsync(batchId, ct), timeout, ct);
        }
        if (context.Json)
        {
            context.WriteJson(batch, SmartApiJsonContext.Default.SwitchBatchResponse);
        }
        else if (batch.BatchId is null)
        {
            context.Info($"No device has the tag {selector.Tag}: nothing was switched.");
        }
        else
        {
            var table = Tables.Create("Device", "Command", "Status");
            foreach (var command in batch.Commands)
            {
                table.AddRow(command.DeviceId, command.CommandId,
                    Markup.Escape(command.Status.ToString().ToLowerInvariant() + (command.Error is { } error ? $" ({error})" : "")));
            }
            context.Console.Write(table);
            context.Info($"Batch {batch.BatchId}: {batch.Commands.Count} devices {batch.State.ToString().ToLowerInvariant()}.");
        }
        return batch.Commands.All(c => Succeeded(c.Status, waitFor is not null)) ? ExitCodes.Success : ExitCodes.Failure;
    }

    private static bool Succeeded(CommandStatus status, bool waited) =>
        waited ? status is CommandStatus.Acknowledged : status is not (CommandStatus.Failed or CommandStatus.Expired);

    /// <summary>Polls with a spinner while <paramref name="open"/> holds, until the timeout passes.</summary>
    private static async Task<T> UntilFinalAsync<T>(CliContext context, T value, Func<T, bool> open, Func<Task<T>> read, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = context.Host.Time.GetUtcNow() + timeout;
        return await context.ProgressAsync("Waiting for the devices to acknowledge...", async () =>
        {
            while (open(value) && context.Host.Time.GetUtcNow() < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), context.Host.Time, ct);
                value = await read();
            }
            return value;
        });
    }
}
