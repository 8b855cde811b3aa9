using System.Collections.Frozen;
using System.Text.Json;
using SmartApi.Webhooks.Events;
using SmartApi.Server.Events;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Automations;

/// <summary>One device watched by one power trigger.</summary>
internal sealed record PowerWatch(string AutomationId, string OrganizationId, string Operator, double Value, int ForSeconds, double Hysteresis)
{
    public bool Holds(double power) => RunConditions.Compare(power, Operator, Value);

    /// <summary>Back past the hysteresis band: the comparison fails even with the threshold moved by the hysteresis towards it.</summary>
    public bool Cleared(double power) => !RunConditions.Compare(power, Operator, Operator[0] == '<' ? Value + Hysteresis : Value - Hysteresis);
}

/// <summary>
/// Power triggers. An in-memory index maps each device to the enabled power triggers watching it, so a
/// sample of an unwatched device costs one dictionary miss. For watched devices the ingestion unit
/// reads the stored states once per batch and writes them only when they change; the state machine
/// is armed (no row) -> pending (holds since; fires at since + forSeconds) -> fired (until the power
/// goes back past the hysteresis band, which emits threshold_cleared and re-arms). A pending state
/// whose time comes without a new sample is fired by <see cref="FireDueAsync"/>, with a conditional
/// update so one node fires it.
/// </summary>
internal sealed partial class PowerTriggers(ISmartApiStore store, EventFactory events, IdGenerator ids, ILogger<PowerTriggers> logger)
{
    private volatile FrozenDictionary<string, PowerWatch[]> _index = FrozenDictionary<string, PowerWatch[]>.Empty;

    /// <summary>Reloads the index (start-up, local automation changes, and periodically for other nodes' changes).</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var watches = new List<(string DeviceId, PowerWatch Watch)>();
        foreach (var automation in await store.ListRuleAutomationsAsync(RuleKind.Power, cancellationToken))
        {
            if (AutomationDefinition.FromJson(automation.DefinitionJson).Trigger.Power is { } power)
            {
                var watch = Watch(automation, power);
                watches.AddRange((power.DeviceIds ?? []).Select(d => (d, watch)));
            }
        }
        _index = watches.GroupBy(w => w.DeviceId, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.Select(w => w.Watch).ToArray(), StringComparer.Ordinal);
    }

    /// <summary>Evaluation for one ingestion unit; null when no trigger watches any device.</summary>
    public PowerBatch? Begin(IStoreTransaction tx)
    {
        var index = _index;
        return index.Count == 0 ? null : new PowerBatch(this, tx, index);
    }

    /// <summary>Fires pending states whose forSeconds passed without a sample saying otherwise.</summary>
    public async Task FireDueAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var index = _index;
        foreach (var state in await store.ListDuePowerStatesAsync(now, 256, cancellationToken))
        {
            try
            {
                // Another node may have created the trigger since this node's index was built: ask the store before giving up on it.
                var watch = index.GetValueOrDefault(state.DeviceId)?.FirstOrDefault(w => w.AutomationId == state.AutomationId)
                    ?? await LoadWatchAsync(state, cancellationToken);
                await store.WriteAsync(async tx =>
                {
                    if (watch is null || await tx.GetDeviceAsync(state.OrganizationId, state.DeviceId) is not { Latest: { } latest })
                    {
                        await tx.DeletePowerStateAsync(state.AutomationId, state.DeviceId); // the trigger or device is gone
                    }
                    else if (await tx.FirePowerStateAsync(state.AutomationId, state.DeviceId, state.Since))
                    {
                        await FireAsync(tx, watch, state.DeviceId, latest.PowerW, state.DueAt ?? now);
                    }
                    return true;
                }, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.FireFailed(logger, state.AutomationId, state.DeviceId, ex);
            }
        }
    }

    private async Task<PowerWatch?> LoadWatchAsync(PowerTriggerState state, CancellationToken cancellationToken) =>
        await store.GetAutomationAsync(state.OrganizationId, state.AutomationId, cancellationToken) is { Enabled: true } automation
            && AutomationDefinition.FromJson(automation.DefinitionJson).Trigger.Power is { } power
            && (power.DeviceIds ?? []).Contains(state.DeviceId)
            ? Watch(automation, power)
            : null;

    private static PowerWatch Watch(Automation automation, Contracts.PowerTrigger power) =>
        new(automation.Id, automation.OrganizationId, power.Operator!, power.Value!.Value, power.ForSeconds ?? 0, power.Hysteresis ?? 0);

    /// <summary>Emits threshold_exceeded and queues the automation's run, in the caller's unit.</summary>
    internal async ValueTask FireAsync(IStoreTransaction tx, PowerWatch watch, string deviceId, double value, DateTimeOffset at)
    {
        var exceeded = events.Create(WebhookEventTypes.PowerThresholdExceeded, watch.OrganizationId, Data(watch, deviceId, value));
        await tx.AppendEventAsync(exceeded);
        var trigger = JsonSerializer.Serialize(new RunTriggerInfo(DeviceId: deviceId, Value: value), AutomationJsonContext.Default.RunTriggerInfo);
        await tx.InsertRunAsync(new AutomationRun(ids.New("run"), watch.OrganizationId, watch.AutomationId, RunStatus.Pending, RuleKind.Power,
            exceeded.Id, trigger, at, null, null, exceeded.CreatedAt, null));
    }

    internal ValueTask ClearAsync(IStoreTransaction tx, PowerWatch watch, string deviceId, double value) =>
        tx.AppendEventAsync(events.Create(WebhookEventTypes.PowerThresholdCleared, watch.OrganizationId, Data(watch, deviceId, value)));

    private static PowerThresholdData Data(PowerWatch watch, string deviceId, double value) =>
        new(deviceId, EventFactory.AssignedOnAppend, watch.AutomationId, watch.Operator, watch.Value, value, watch.ForSeconds);

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEvents.PowerTriggerFailed, Level = LogLevel.Error, Message = "Could not fire the power trigger of {AutomationId} for {DeviceId}")]
        public static partial void FireFailed(ILogger logger, string automationId, string deviceId, Exception exception);
    }
}

/// <summary>The power states of one ingestion unit: read once per device, written back only when changed.</summary>
internal sealed class PowerBatch(PowerTriggers triggers, IStoreTransaction tx, FrozenDictionary<string, PowerWatch[]> index)
{
    private readonly Dictionary<string, Dictionary<string, (PowerTriggerState? Stored, PowerTriggerState? Current)>> _states = new(StringComparer.Ordinal);

    public async ValueTask ObserveAsync(string deviceId, Measurement sample)
    {
        if (!index.TryGetValue(deviceId, out var watches))
        {
            return;
        }
        if (!_states.TryGetValue(deviceId, out var states))
        {
            states = (await tx.ListPowerStatesAsync(deviceId)).ToDictionary(s => s.AutomationId, s => ((PowerTriggerState?)s, (PowerTriggerState?)s), StringComparer.Ordinal);
            _states[deviceId] = states;
        }
        foreach (var watch in watches)
        {
            var (stored, state) = states.GetValueOrDefault(watch.AutomationId);
            var power = sample.PowerW;
            if (state is null or { Phase: PowerPhase.Pending } && !watch.Holds(power))
            {
                state = null; // armed again: the crossing did not last
            }
            else if (state is null)
            {
                state = new PowerTriggerState(watch.AutomationId, deviceId, watch.OrganizationId, PowerPhase.Pending, sample.Ts, sample.Ts.AddSeconds(watch.ForSeconds));
            }
            else if (state.Phase == PowerPhase.Fired && watch.Cleared(power))
            {
                await triggers.ClearAsync(tx, watch, deviceId, power);
                state = null;
            }
            if (state is { Phase: PowerPhase.Pending, DueAt: { } due } && sample.Ts >= due)
            {
                await triggers.FireAsync(tx, watch, deviceId, power, sample.Ts);
                state = state with { Phase = PowerPhase.Fired, DueAt = null };
            }
            states[watch.AutomationId] = (stored, state);
        }
    }

    public async ValueTask FlushAsync()
    {
        foreach (var (deviceId, states) in _states)
        {
            foreach (var (automationId, (stored, current)) in states)
            {
                if (current is null && stored is not null)
                {
                    await tx.DeletePowerStateAsync(automationId, deviceId);
                }
                else if (current is not null && current != stored)
                {
                    await tx.UpsertPowerStateAsync(current);
                }
            }
        }
    }
}
