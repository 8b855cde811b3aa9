using SmartApi.Webhooks.Events;
using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using SmartApi.Server.Automations;
using SmartApi.Server.Energy;
using SmartApi.Server.Events;
using SmartApi.Server.Infrastructure;
using SmartApi.Server.Mqtt;
using SmartApi.Storage;

namespace SmartApi.Server.Measurements;

/// <summary>
/// Turns telemetry into measurements. Callers (the MQTT gateway; tests) hand samples in; a single
/// loop writes whatever has gathered in one transaction, so thousands of devices cost a few
/// commits per second instead of one per sample. A caller's task completes once its sample is
/// committed, so a gateway can acknowledge (MQTT QoS 1) only what is durable.
/// </summary>
/// <remarks>
/// Each device's energy state (total, counter, latest sample) is kept in memory between batches
/// with the embedded broker, where this node holds the device's only session, so a batch does not
/// read it back. The write is conditional on the stored latest sample being the one this node last
/// wrote: if another node ingested for the device meanwhile (it reconnected elsewhere) or the device
/// was deleted, the unit fails, the kept states of the batch's devices are dropped and the batch is
/// applied again from the stored states. With an external broker, shared subscriptions hand a
/// device's messages to any node, so nothing is kept and every batch reads the states.
/// <para>
/// The state includes the device's switch (<see cref="SwitchTimeline"/>, from the device row that
/// state reports write), for on-time. The write is also conditional on the switch's change time the
/// on-time was computed with, so a state report committed meanwhile, on this node or another, makes
/// the batch apply again from the stored states; a state report handled on this node also drops the
/// device's kept state (<see cref="SwitchChanged"/>), so its next batch reads the new switch.
/// </para>
/// </remarks>
internal sealed partial class TelemetryIngestor(
    ISmartApiStore store, EventFactory events, PowerTriggers powerTriggers, TimeProvider time, IOptions<MqttOptions> options, ILogger<TelemetryIngestor> logger)
    : BackgroundService
{
    private const int MaxBatch = 4096;
    // A batch whose stored states moved is applied again from the stored states, at most this often in all.
    private const int MaxAttempts = 3;
    // Bounds the memory of devices that stopped sending (deleted, replaced): a full cache starts over.
    private const int MaxKeptStates = 250_000;
    private static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);

    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(
        new BoundedChannelOptions(65_536) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    // Committed energy states by device id; only the ingestion loop touches it.
    private readonly Dictionary<string, DeviceEnergy> _kept = new(StringComparer.Ordinal);
    private readonly bool _keepStates = options.Value.ExternalBroker is null;

    // Devices whose switch changed since the loop last looked: their kept states are dropped before the next batch.
    private readonly ConcurrentQueue<string> _switched = new();

    /// <summary>Queues a sample; completes with true once stored, false when it was a duplicate or the device is gone.</summary>
    /// <exception cref="ArgumentException">
    /// The sample has a number outside its <see cref="TelemetryLimits"/> range, a time too far in the
    /// future, or (thrown by the returned task) an energy step larger than the elapsed time allows.
    /// </exception>
    public async Task<bool> IngestAsync(string deviceId, TelemetrySample sample, CancellationToken cancellationToken = default)
    {
        Validate(sample);
        var pending = new Pending(deviceId, sample);
        await _queue.Writer.WriteAsync(pending, cancellationToken);
        return await pending.Done.Task;
    }

    /// <summary>
    /// A state report changed the device's switch (committed): the next batch reads the device's
    /// state, switch included, from the store instead of the kept copy.
    /// </summary>
    public void SwitchChanged(string deviceId)
    {
        if (_keepStates)
        {
            _switched.Enqueue(deviceId);
        }
    }

    private void Validate(TelemetrySample sample)
    {
        if (!TelemetryLimits.AreValid(sample.PowerW, sample.VoltageV, sample.CurrentA, sample.EnergyWh, sample.TemperatureC))
        {
            throw new ArgumentException("Telemetry values must lie within their physical limits (docs/mqtt.md).", nameof(sample));
        }
        if (sample.Ts > time.GetUtcNow() + MaxClockSkew)
        {
            throw new ArgumentException("ts is too far in the future.", nameof(sample));
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>(MaxBatch);
        // Not tied to stoppingToken: on shutdown the queue is completed and drained, not dropped.
        while (await _queue.Reader.WaitToReadAsync(CancellationToken.None))
        {
            batch.Clear();
            while (_switched.TryDequeue(out var switched))
            {
                _kept.Remove(switched);
            }
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }
            await WriteBatchAsync(batch);
        }
    }

    private async Task WriteBatchAsync(List<Pending> batch)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var (stored, states) = await store.WriteAsync(tx => ApplyAsync(tx, batch), CancellationToken.None);
                Keep(states);
                for (var i = 0; i < batch.Count; i++)
                {
                    if (stored[i] == Stored.Refused)
                    {
                        batch[i].Done.TrySetException(new ArgumentException("energyWh rose by more than the elapsed time allows (docs/mqtt.md)."));
                    }
                    else
                    {
                        batch[i].Done.TrySetResult(stored[i] == Stored.Yes);
                    }
                }
                return;
            }
            catch (Exception ex)
            {
                foreach (var item in batch)
                {
                    _kept.Remove(item.DeviceId);
                }
                if (ex is EnergyStateMovedException && attempt < MaxAttempts)
                {
                    Log.StateMoved(logger, ex.Message);
                    continue; // again, from the stored states
                }
                Log.BatchFailed(logger, batch.Count, ex);
                foreach (var item in batch)
                {
                    item.Done.TrySetException(ex);
                }
                return;
            }
        }
    }

    private void Keep(Dictionary<string, DeviceEnergy?> states)
    {
        if (!_keepStates)
        {
            return;
        }
        if (_kept.Count + states.Count > MaxKeptStates)
        {
            _kept.Clear();
        }
        foreach (var (deviceId, state) in states)
        {
            if (state is not null)
            {
                state.StoredTs = state.Latest?.Ts;
                state.Dirty = false;
                _kept[deviceId] = state;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    /// <summary>
    /// One unit of work for the batch. The writer may run it more than once (a failed group commit
    /// is retried unit by unit), so it works on copies of the kept states, which replace the kept
    /// ones only once committed.
    /// </summary>
    private async ValueTask<(Stored[] Stored, Dictionary<string, DeviceEnergy?> States)> ApplyAsync(IStoreTransaction tx, List<Pending> batch)
    {
        var stored = new Stored[batch.Count];
        var states = new Dictionary<string, DeviceEnergy?>(StringComparer.Ordinal);
        var rows = new List<MeasurementRow>(batch.Count);
        var rollup = new EnergyRollup();
        // Power triggers are evaluated in the same unit, so their state commits with the samples.
        var power = powerTriggers.Begin(tx);
        for (var i = 0; i < batch.Count; i++)
        {
            var (deviceId, sample) = (batch[i].DeviceId, batch[i].Sample);
            if (!states.TryGetValue(deviceId, out var state))
            {
                state = _kept.TryGetValue(deviceId, out var kept)
                    ? kept.Copy()
                    : await tx.GetEnergyStateAsync(deviceId) is { } s ? DeviceEnergy.FromStored(s) : null;
                states[deviceId] = state;
            }
            if (state is null)
            {
                continue; // the device was deleted meanwhile
            }
            if (state.Latest is { } latest && sample.Ts <= latest.Ts)
            {
                // A redelivered (QoS 1) or out-of-order sample: the series keeps one point per time.
                Log.Duplicate(logger, deviceId, sample.Ts);
                continue;
            }
            var step = EnergyAccounting.Next(state.TotalWh, state.LastCounterWh, state.Latest, sample);
            if (step.Refused)
            {
                // Not stored; the reading becomes the baseline (see EnergyAccounting).
                state.LastCounterWh = step.CounterWh;
                state.Dirty = true;
                stored[i] = Stored.Refused;
                continue;
            }
            var measurement = new Measurement(sample.Ts, sample.PowerW, sample.VoltageV, sample.CurrentA, sample.TemperatureC, step.TotalWh);
            rows.Add(new MeasurementRow(deviceId, measurement, step.DeltaWh));
            if (step.CounterReset)
            {
                await tx.AppendEventAsync(events.Create(WebhookEventTypes.EnergyCounterReset, state.OrganizationId,
                    new EnergyCounterResetData(deviceId, EventFactory.AssignedOnAppend, step.PreviousCounterWh ?? 0, sample.EnergyWh ?? 0)));
            }
            rollup.Add(state.OrganizationId, deviceId, state.Latest, measurement, step.DeltaWh, state.Switch);
            state.TotalWh = step.TotalWh;
            state.LastCounterWh = step.CounterWh;
            state.Latest = measurement;
            state.Dirty = true;
            stored[i] = Stored.Yes;
            if (power is not null)
            {
                await power.ObserveAsync(deviceId, measurement);
            }
        }
        await tx.InsertMeasurementsAsync(rows);
        // The rollups commit with the samples they sum (ADR 033).
        await tx.AddEnergySlotsAsync(rollup.Changes());
        if (power is not null)
        {
            await power.FlushAsync();
        }
        foreach (var (deviceId, state) in states)
        {
            if (state is { Dirty: true, Latest: { } latest } && !await tx.SetEnergyStateAsync(deviceId, state.TotalWh, state.LastCounterWh, latest, state.StoredTs, state.Switch.ChangedAt))
            {
                throw new EnergyStateMovedException(deviceId);
            }
        }
        return (stored, states);
    }

    private enum Stored : byte
    {
        No,
        Yes,
        Refused,
    }

    private sealed class Pending(string deviceId, TelemetrySample sample)
    {
        public string DeviceId { get; } = deviceId;
        public TelemetrySample Sample { get; } = sample;
        public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class DeviceEnergy(string organizationId, double totalWh, double? lastCounterWh, Measurement? latest, SwitchTimeline switchState)
    {
        public string OrganizationId { get; } = organizationId;
        /// <summary>The switch as the store has it; also the condition of the next write (its change time).</summary>
        public SwitchTimeline Switch { get; } = switchState;
        public double TotalWh { get; set; } = totalWh;
        public double? LastCounterWh { get; set; } = lastCounterWh;
        public Measurement? Latest { get; set; } = latest;
        /// <summary>The latest sample's time as the store has it: the condition of the next write.</summary>
        public DateTimeOffset? StoredTs { get; set; } = latest?.Ts;
        public bool Dirty { get; set; }

        public DeviceEnergy Copy() => new(OrganizationId, TotalWh, LastCounterWh, Latest, Switch) { StoredTs = StoredTs };

        /// <summary>
        /// The stored state, with what older versions could store outside the limits let go: a total
        /// outside its range starts over from 0 (nothing can be added to infinity), and a counter
        /// outside its range is forgotten, so the next reading sets a new baseline.
        /// </summary>
        public static DeviceEnergy FromStored(EnergyState state) => new(
            state.OrganizationId,
            TelemetryLimits.IsTotal(state.TotalWh) ? state.TotalWh : 0,
            state.LastCounterWh is { } counter && TelemetryLimits.IsEnergy(counter) ? counter : null,
            state.Latest,
            state.Switch);
    }

    /// <summary>The stored energy state is not the one this unit started from: the unit rolls back.</summary>
    private sealed class EnergyStateMovedException(string deviceId)
        : Exception($"The energy state or the switch of {deviceId} was changed by another writer, or the device is gone.");

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEvents.TelemetryBatchFailed, Level = LogLevel.Error, Message = "Could not store a batch of {Count} telemetry samples")]
        public static partial void BatchFailed(ILogger logger, int count, Exception exception);

        [LoggerMessage(EventId = LogEvents.TelemetryDuplicate, Level = LogLevel.Debug, Message = "Dropped a duplicate or out-of-order sample of {DeviceId} at {Ts}")]
        public static partial void Duplicate(ILogger logger, string deviceId, DateTimeOffset ts);

        [LoggerMessage(EventId = LogEvents.TelemetryStateMoved, Level = LogLevel.Debug, Message = "Applying a telemetry batch again from the stored energy states: {Reason}")]
        public static partial void StateMoved(ILogger logger, string reason);
    }
}
