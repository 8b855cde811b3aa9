using System.Text.Json;
using SmartApi.Webhooks.Events;
using SmartApi.Server.Devices;
using SmartApi.Server.Events;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Automations;

/// <summary>
/// Evaluates one run: loop protection first (from the command behind a <c>device.switched</c>),
/// then, in one unit of work, the conditions, the cooldown and the actions, and the outcome.
/// </summary>
internal sealed partial class RunExecutor(
    ISmartApiStore store,
    DeviceService devices,
    EventFactory events,
    IdGenerator ids,
    TimeProvider time,
    ILogger<RunExecutor> logger)
{
    /// <summary>At most this many automations act in a chain that triggers itself through device.switched.</summary>
    public const int MaxDepth = 8;

    public async Task ExecuteAsync(AutomationRun run, string owner, CancellationToken cancellationToken)
    {
        // Only while tracing: the trigger event is read once more for the context it was appended in.
        using var activity = Tracing.Source.HasListeners()
            ? Tracing.StartAutomationRun(run.Id, run.AutomationId, run.EventId is null ? null
                : (await store.GetEventAsync(run.OrganizationId, run.EventId, cancellationToken))?.TraceParent)
            : null;
        try
        {
            if (await store.GetAutomationAsync(run.OrganizationId, run.AutomationId, cancellationToken) is not { } automation)
            {
                return; // deleted meanwhile: its runs went with it
            }
            var definition = AutomationDefinition.FromJson(automation.DefinitionJson);
            var (depth, deviceId, preset) = await ScreenAsync(run, automation, cancellationToken);
            await store.WriteAsync(async tx =>
            {
                var (status, reason, commands, errors, emitted) = preset is { } p
                    ? (p.Status, p.Reason, new List<string>(), new List<string>(), (string?)null)
                    : await ActAsync(tx, run, automation, definition, depth);
                var result = new RunResult(commands, errors, depth, emitted, deviceId);
                if (!await tx.CompleteRunAsync(run.Id, owner, status, reason,
                    JsonSerializer.Serialize(result, AutomationJsonContext.Default.RunResult), time.GetUtcNow()))
                {
                    // Another runner took the run over after our lease lapsed: keep none of this unit.
                    throw new LeaseLostException();
                }
                return true;
            }, cancellationToken);
        }
        catch (LeaseLostException)
        {
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Recorded as failed rather than retried forever; a runner killed mid-run instead leaves
            // the run pending, and the next one takes it when the lease lapses.
            Log.RunFailed(logger, run.Id, run.AutomationId, ex);
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, ex.GetType().Name);
            var result = new RunResult([], [ex.Message], 0);
            await store.WriteAsync(tx => tx.CompleteRunAsync(run.Id, owner, RunStatus.Failed, "the run could not be carried out",
                JsonSerializer.Serialize(result, AutomationJsonContext.Default.RunResult), time.GetUtcNow()), cancellationToken);
        }
    }

    /// <summary>The chain depth of the trigger, its device, and an outcome decided before acting (disabled, own action, loop cut).</summary>
    private async Task<(int Depth, string? DeviceId, (string Status, string Reason)? Preset)> ScreenAsync(
        AutomationRun run, Automation automation, CancellationToken cancellationToken)
    {
        if (!automation.Enabled)
        {
            return (0, null, (RunStatus.Skipped, "the automation is disabled"));
        }
        if (run.TriggerType != RuleKind.Event)
        {
            return (0, JsonSerializer.Deserialize(run.TriggerJson, AutomationJsonContext.Default.RunTriggerInfo)?.DeviceId, null);
        }
        if (await store.GetEventAsync(run.OrganizationId, run.EventId!, cancellationToken) is not { } trigger)
        {
            return (0, null, (RunStatus.Failed, $"the event {run.EventId} no longer exists"));
        }
        if (trigger.Type != WebhookEventTypes.DeviceSwitched || trigger.DeviceId is null || CommandId(trigger.DataJson) is not { } commandId
            || await store.GetCommandAsync(run.OrganizationId, trigger.DeviceId, commandId, cancellationToken) is not { } command)
        {
            return (0, trigger.DeviceId, null);
        }
        if (command.AutomationId == automation.Id)
        {
            return (command.Depth, trigger.DeviceId, (RunStatus.Skipped, $"loop protection: {command.Id} is this automation's own switch action"));
        }
        if (command.Depth >= MaxDepth)
        {
            var reason = $"loop protection: {command.Id} was issued by automation {command.AutomationId} at depth {command.Depth}; chains stop after {MaxDepth} automations";
            Log.LoopCut(logger, automation.Id, reason);
            return (command.Depth, trigger.DeviceId, (RunStatus.Cut, reason));
        }
        return (command.Depth, trigger.DeviceId, null);
    }

    private static string? CommandId(string dataJson)
    {
        using var data = JsonDocument.Parse(dataJson);
        return data.RootElement.TryGetProperty("commandId", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
    }

    private async ValueTask<(string, string?, List<string>, List<string>, string?)> ActAsync(
        IStoreTransaction tx, AutomationRun run, Automation automation, AutomationDefinition definition, int depth)
    {
        var commands = new List<string>();
        var errors = new List<string>();
        if (await RunConditions.FailureAsync(tx, run.OrganizationId, definition.Conditions, run.TriggeredAt) is { } failure)
        {
            return (RunStatus.Skipped, failure, commands, errors, null);
        }
        if (definition.CooldownSeconds is > 0 and var cooldown
            && !await tx.ClaimCooldownAsync(automation.Id, run.TriggeredAt, TimeSpan.FromSeconds(cooldown)))
        {
            return (RunStatus.Skipped, $"cooldown: the previous run was less than {cooldown} s before", commands, errors, null);
        }
        var now = time.GetUtcNow();
        string? emitted = null;
        var schedule = run.TriggerType == RuleKind.Schedule;
        if (schedule)
        {
            // The schedule's own event: only this automation's webhooks get it (like automation.test).
            var info = JsonSerializer.Deserialize(run.TriggerJson, AutomationJsonContext.Default.RunTriggerInfo)!;
            var trigger = definition.Trigger.Schedule!;
            var scheduled = events.Create(WebhookEventTypes.AutomationScheduled, run.OrganizationId,
                new AutomationScheduledData(automation.Id, info.ScheduledFor ?? run.TriggeredAt, trigger.Cron!, trigger.TimeZone ?? "UTC")) with { TargetAutomationId = automation.Id };
            await tx.AppendEventAsync(scheduled);
            emitted = scheduled.Id;
        }
        else if (run.EventId is not null && definition.Actions.Any(a => a.Type == ActionTypes.Webhook))
        {
            await tx.QueueAutomationDeliveriesAsync(run.OrganizationId, automation.Id, run.EventId, now);
        }
        var origin = new CommandOrigin(schedule ? "schedule" : "automation", automation.Id, depth + 1);
        for (var i = 0; i < definition.Actions.Count; i++)
        {
            var action = definition.Actions[i];
            if (action.Type != ActionTypes.Switch)
            {
                continue;
            }
            var state = action.State!.Value.ToWire();
            IReadOnlyList<Command> stored;
            if (action.Tag is { } tag)
            {
                stored = await SwitchTagAsync(tx, run.OrganizationId, tag, state, origin, $"actions[{i}]", errors);
            }
            else if (await devices.StoreCommandAsync(tx, run.OrganizationId, action.DeviceId!, state, origin) is { } command)
            {
                stored = [command];
            }
            else
            {
                errors.Add($"actions[{i}]: device {action.DeviceId} no longer exists");
                continue;
            }
            foreach (var command in stored)
            {
                commands.Add(command.Id);
                if (action.RevertAfterSeconds is { } revert)
                {
                    await tx.InsertScheduledCommandAsync(new ScheduledCommand(ids.New("scm"), run.OrganizationId, command.DeviceId,
                        Opposite(state), origin.Source, automation.Id, origin.Depth, now.AddSeconds(revert)));
                }
            }
        }
        return (errors.Count == 0 ? RunStatus.Succeeded : RunStatus.Failed, null, commands, errors, emitted);
    }

    /// <summary>
    /// The devices that carry the tag now, switched as one batch. A tag over the bulk limit switches
    /// the first devices in id order and records the rest as an error: a partial "everything off"
    /// beats none.
    /// </summary>
    private async ValueTask<IReadOnlyList<Command>> SwitchTagAsync(
        IStoreTransaction tx, string organizationId, string tag, string state, CommandOrigin origin, string field, List<string> errors)
    {
        var selector = TagSelector.Parse(tag);
        var selected = await tx.ListDeviceIdsByTagAsync(organizationId, selector.Key, selector.Value, DeviceService.MaxBatchDevices + 1);
        if (selected.Count > DeviceService.MaxBatchDevices)
        {
            errors.Add($"{field}: the tag {tag} matches more than {DeviceService.MaxBatchDevices} devices; the first {DeviceService.MaxBatchDevices} in id order were switched");
            selected = [.. selected.Take(DeviceService.MaxBatchDevices)];
        }
        return await devices.StoreCommandsAsync(tx, organizationId, selected, state, origin);
    }

    private static string Opposite(string state) => state switch
    {
        "on" => "off",
        "off" => "on",
        _ => "toggle",
    };

    private sealed class LeaseLostException() : Exception("The run's lease was taken over by another runner.");

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEvents.AutomationRunFailed, Level = LogLevel.Error, Message = "Automation run {RunId} of {AutomationId} failed")]
        public static partial void RunFailed(ILogger logger, string runId, string automationId, Exception exception);

        [LoggerMessage(EventId = LogEvents.AutomationLoopCut, Level = LogLevel.Warning, Message = "Automation {AutomationId} was not run: {Reason}")]
        public static partial void LoopCut(ILogger logger, string automationId, string reason);
    }
}
