using WebhookEventTypes = SmartApi.Webhooks.Events.WebhookEventTypes;
using System.Threading.Channels;
using SmartApi.Server.Automations;
using SmartApi.Server.Events;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Measurements;

/// <summary>
/// Turns telemetry into measurements. Callers (the MQTT gateway; tests) hand samples in; a single
/// loop writes whatever has gathered in one transaction, so thousands of devices cost a few
/// commits per second instead of one per sample. A caller's task completes once its sample is
/// committed, so a gateway can acknowledge (MQTT QoS 1) only what is durable.
/// </summary>
internal sealed partial class TelemetryIngestor(
    ISmartApiStore store, EventFactory events, PowerTriggers powerTriggers, TimeProvider time, ILogger<TelemetryIngestor> logger)
    : BackgroundService
{
    private const int MaxBatch = 4096;
    private static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);

    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(
        new BoundedChannelOptions(65_536) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    /// <summary>Queues a sample; completes with true once stored, false when it was a duplicate or the device is gone.</summary>
    /// <exception cref="ArgumentException">The sample has non-finite numbers or a time too far in the future.</exception>
    public async Task<bool> IngestAsync(string deviceId, TelemetrySample sample, CancellationToken cancellationToken = default)
    {
        Validate(sample);
        var pending = new Pending(deviceId, sample);
        await _queue.Writer.WriteAsync(pending, cancellationToken);
        return await pending.Done.Task;
    }

    private void Validate(TelemetrySample sample)
    {
        static bool Bad(double? value) => value is { } d && !double.IsFinite(d);
        if (Bad(sample.PowerW) || Bad(sample.VoltageV) || Bad(sample.CurrentA) || Bad(sample.EnergyWh) || Bad(sample.TemperatureC))
        {
            throw new ArgumentException("Telemetry values must be finite numbers.", nameof(sample));
        }
        if (sample.EnergyWh is < 0)
        {
            throw new ArgumentException("energyWh must not be negative.", nameof(sample));
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
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }
            try
            {
                var stored = await store.WriteAsync(tx => ApplyAsync(tx, batch), CancellationToken.None);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Done.TrySetResult(stored[i]);
                }
            }
            catch (Exception ex)
            {
                Log.BatchFailed(logger, batch.Count, ex);
                foreach (var item in batch)
                {
                    item.Done.TrySetException(ex);
                }
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    private async ValueTask<bool[]> ApplyAsync(IStoreTransaction tx, List<Pending> batch)
    {
        var stored = new bool[batch.Count];
        var states = new Dictionary<string, DeviceEnergy?>(StringComparer.Ordinal);
        var rows = new List<MeasurementRow>(batch.Count);
        // Power triggers are evaluated in the same unit, so their state commits with the samples.
        var power = powerTriggers.Begin(tx);
        for (var i = 0; i < batch.Count; i++)
        {
            var (deviceId, sample) = (batch[i].DeviceId, batch[i].Sample);
            if (!states.TryGetValue(deviceId, out var state))
            {
                state = await tx.GetEnergyStateAsync(deviceId) is { } s ? new DeviceEnergy(s.OrganizationId, s.TotalWh, s.LastCounterWh, s.Latest) : null;
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
            var measurement = new Measurement(sample.Ts, sample.PowerW, sample.VoltageV, sample.CurrentA, sample.TemperatureC, step.TotalWh);
            rows.Add(new MeasurementRow(deviceId, measurement, step.DeltaWh));
            if (step.CounterReset)
            {
                await tx.AppendEventAsync(events.Create(WebhookEventTypes.EnergyCounterReset, state.OrganizationId, deviceId,
                    new CounterResetData(step.PreviousCounterWh ?? 0, sample.EnergyWh ?? 0), EventDataJsonContext.Default.CounterResetData));
            }
            state.TotalWh = step.TotalWh;
            state.LastCounterWh = step.CounterWh;
            state.Latest = measurement;
            state.Dirty = true;
            stored[i] = true;
            if (power is not null)
            {
                await power.ObserveAsync(deviceId, measurement);
            }
        }
        await tx.InsertMeasurementsAsync(rows);
        if (power is not null)
        {
            await power.FlushAsync();
        }
        foreach (var (deviceId, state) in states)
        {
            if (state is { Dirty: true, Latest: { } latest })
            {
                await tx.SetEnergyStateAsync(deviceId, state.TotalWh, state.LastCounterWh, latest);
            }
        }
        return stored;
    }

    private sealed class Pending(string deviceId, TelemetrySample sample)
    {
        public string DeviceId { get; } = deviceId;
        public TelemetrySample Sample { get; } = sample;
        public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class DeviceEnergy(string organizationId, double totalWh, double? lastCounterWh, Measurement? latest)
    {
        public string OrganizationId { get; } = organizationId;
        public double TotalWh { get; set; } = totalWh;
        public double? LastCounterWh { get; set; } = lastCounterWh;
        public Measurement? Latest { get; set; } = latest;
        public bool Dirty { get; set; }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEvents.TelemetryBatchFailed, Level = LogLevel.Error, Message = "Could not store a batch of {Count} telemetry samples")]
        public static partial void BatchFailed(ILogger logger, int count, Exception exception);

        [LoggerMessage(EventId = LogEvents.TelemetryDuplicate, Level = LogLevel.Debug, Message = "Dropped a duplicate or out-of-order sample of {DeviceId} at {Ts}")]
        public static partial void Duplicate(ILogger logger, string deviceId, DateTimeOffset ts);
    }
}
