using SmartApi.Webhooks.Events;
using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using SmartApi.Server.Events;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Webhooks.Delivery;

/// <summary>
/// The delivery engine. It receives its node's new unordered deliveries already leased, at their
/// commit (<see cref="IDeliveryLeaseSource"/>), and claims the other due deliveries in batches with
/// a lease (so a delivery held by a dead process is claimed again once the lease runs out). It
/// sends each through the lane of its destination host (a concurrency limit per host, so one slow
/// or dead receiver never holds up the others), and records outcomes in batches. At-least-once: a delivery leaves the outbox only when
/// its outcome is committed.
/// </summary>
internal sealed partial class DeliveryDispatcher(
    ISmartApiStore store,
    WebhookSender sender,
    DeliveryGate gate,
    EventFactory events,
    WebhookMetrics metrics,
    TimeProvider time,
    IOptions<WebhookOptions> options,
    ILogger<DeliveryDispatcher> logger) : BackgroundService
{
    public const int MaxInFlight = 2048;
    public const int MaxClaim = 512;
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan QueueDepthInterval = TimeSpan.FromSeconds(5);

    private readonly string _owner = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _lanes = new(StringComparer.OrdinalIgnoreCase);
    private readonly Channel<Finished> _outcomes = Channel.CreateUnbounded<Finished>(new UnboundedChannelOptions { SingleReader = true });
    private readonly WakeSignal _signal = new();
    private readonly WaitingLeases _waiting = new();
    private int _inFlight;
    // Whether the last claim filled the room it had (or had none): due deliveries may be left, so a recorded outcome,
    // which frees room, should claim again at once instead of at the next poll.
    private volatile bool _claimMayFindMore;

    private WebhookOptions Settings => options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        store.Committed += OnCommitted;
        // The deliveries the store's appends queue for unordered webhooks come leased to this engine at their commit.
        using var leased = store.LeaseQueuedDeliveries(_owner, LeaseDuration, deliveries =>
        {
            // The lease began when the batch was written, a little before its commit: count from half a timeout earlier.
            var leaseUntil = time.GetUtcNow() + LeaseDuration - Settings.Timeout / 2;
            // Counted here, before the next batch asks for room; started off the store's committing thread (hundreds of sends take a while).
            Interlocked.Add(ref _inFlight, deliveries.Count);
            _ = Task.Run(() => Dispatch(deliveries, leaseUntil, stoppingToken), CancellationToken.None);
        },
        // Full: the outbox keeps what arrives (durable, no memory), claimed as sends finish.
        hasRoom: () => Volatile.Read(ref _inFlight) < MaxInFlight);
        var recording = Task.Run(() => RecordOutcomesAsync(stoppingToken), CancellationToken.None);
        var renewing = Task.Run(() => RenewLeasesAsync(stoppingToken), CancellationToken.None);
        // Monotonic: measured with the wall clock, a step back would freeze the gauge for the step.
        long? depthMeasuredAt = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var claimed = 0;
                try
                {
                    claimed = await ClaimAndDispatchAsync(stoppingToken);
                    if (depthMeasuredAt is not { } measured || time.GetElapsedTime(measured) >= QueueDepthInterval)
                    {
                        depthMeasuredAt = time.GetTimestamp();
                        metrics.SetQueueDepth(await store.CountPendingDeliveriesAsync(stoppingToken));
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.ClaimFailed(logger, ex);
                }
                if (claimed < MaxClaim)
                {
                    await _signal.WaitAsync(PollInterval, time, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            store.Committed -= OnCommitted;
            _outcomes.Writer.TryComplete();
            await recording;
            await renewing;
        }
    }

    private void OnCommitted(StoreCommit commit)
    {
        if (commit.DeliveriesQueued > 0)
        {
            _signal.Notify();
        }
    }

    private async Task<int> ClaimAndDispatchAsync(CancellationToken cancellationToken)
    {
        var room = Math.Min(MaxClaim, MaxInFlight - Volatile.Read(ref _inFlight));
        if (room <= 0)
        {
            _claimMayFindMore = true;
            return 0;
        }
        var now = time.GetUtcNow();
        var claimed = await store.WriteAsync(tx => tx.ClaimDeliveriesAsync(_owner, now, now + LeaseDuration, room), cancellationToken);
        _claimMayFindMore = claimed.Count == room;
        Interlocked.Add(ref _inFlight, claimed.Count);
        Dispatch(claimed, now + LeaseDuration, cancellationToken);
        return claimed.Count;
    }

    // The lease outlives a lane wait of one timeout, the attempt and its recording; a longer wait
    // renews it (RenewLeasesAsync). Only a dead process lets it lapse, and then the delivery is
    // claimed again.
    private TimeSpan LeaseDuration => Settings.Timeout * 3 + TimeSpan.FromSeconds(5);

    /// <summary>Deliveries sent, waiting for their lane or for their outcome's commit; at most about <see cref="MaxInFlight"/>.</summary>
    internal int InFlight => Volatile.Read(ref _inFlight);

    // The caller has counted them in _inFlight.
    private void Dispatch(IReadOnlyList<ClaimedDelivery> deliveries, DateTimeOffset leaseUntil, CancellationToken cancellationToken)
    {
        foreach (var delivery in deliveries)
        {
            _ = SendInLaneAsync(delivery, leaseUntil, cancellationToken);
        }
    }

    private async Task SendInLaneAsync(ClaimedDelivery claimed, DateTimeOffset leaseUntil, CancellationToken cancellationToken)
    {
        try
        {
            Finished finished;
            if (claimed.Webhook.Status != WebhookStatus.Active)
            {
                finished = new(claimed, new AttemptResult(time.GetUtcNow(), null, 0, $"Not sent: the webhook is {claimed.Webhook.Status}.", null, null), null);
            }
            else if (await gate.CheckAsync(claimed, cancellationToken) is { } held)
            {
                finished = new(claimed, null, held);
            }
            else
            {
                var lane = _lanes.GetOrAdd(Host(claimed.Webhook.Url), _ => new SemaphoreSlim(Settings.MaxConcurrencyPerHost));
                // A free lane is taken at once; only a delivery that has to wait is tracked for lease renewal.
                if (!lane.Wait(0, CancellationToken.None) && !await WaitForLaneAsync(lane, claimed.Delivery.Id, leaseUntil, cancellationToken))
                {
                    return;
                }
                finished = await SendHoldingLaneAsync(claimed, lane, cancellationToken);
            }
            try
            {
                await _outcomes.Writer.WriteAsync(finished, CancellationToken.None);
            }
            catch
            {
                finished.Lane?.Release();
                throw;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down: the lease lapses and the delivery is sent again later (at least once).
        }
        catch (Exception ex)
        {
            Log.SendFailed(logger, claimed.Delivery.Id, ex);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    /// <summary>
    /// Sends a delivery that holds its lane, unless its circuit opened while it waited for the lane (ADR 041).
    /// A failure that may open the circuit keeps the lane until its outcome is recorded and this node's
    /// gate knows the circuit, so the deliveries behind it in the lane see an opening before they send.
    /// </summary>
    private async Task<Finished> SendHoldingLaneAsync(ClaimedDelivery claimed, SemaphoreSlim lane, CancellationToken cancellationToken)
    {
        var keep = false;
        try
        {
            if (await gate.RecheckAsync(claimed, cancellationToken) is { } held)
            {
                return new(claimed, null, held);
            }
            var result = await sender.SendAsync(claimed, cancellationToken);
            keep = !result.Succeeded && gate.MayOpen(claimed.Webhook.Id);
            return new(claimed, result, null, keep ? lane : null);
        }
        finally
        {
            if (!keep)
            {
                lane.Release();
            }
        }
    }

    /// <summary>
    /// Waits for a full lane while <see cref="RenewLeasesAsync"/> keeps the delivery's lease; false (and
    /// the lane not held) when the lease lapsed meanwhile and another worker holds the delivery: that one sends it.
    /// </summary>
    private async Task<bool> WaitForLaneAsync(SemaphoreSlim lane, string deliveryId, DateTimeOffset leaseUntil, CancellationToken cancellationToken)
    {
        var lease = _waiting.Wait(deliveryId, leaseUntil);
        try
        {
            await lane.WaitAsync(cancellationToken);
        }
        catch
        {
            _waiting.Leave(deliveryId, lease);
            throw;
        }
        if (_waiting.Leave(deliveryId, lease))
        {
            return true;
        }
        lane.Release();
        Log.LeaseLost(logger, deliveryId);
        return false;
    }

    /// <summary>
    /// Every half timeout, renews the leases of deliveries that have waited a timeout for their lane,
    /// so each still covers a full lane wait, attempt and recording: a slow destination with a backlog
    /// then costs waiting, not duplicates.
    /// </summary>
    private async Task RenewLeasesAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Settings.Timeout / 2, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            var now = time.GetUtcNow();
            var expiring = _waiting.Expiring(now + LeaseDuration - Settings.Timeout);
            if (expiring.Count == 0)
            {
                continue;
            }
            try
            {
                var until = now + LeaseDuration;
                var kept = await store.WriteAsync(tx => tx.ExtendDeliveryLeasesAsync(_owner, expiring, until), stoppingToken);
                _waiting.Renewed(expiring, kept, until);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Not renewed: those leases may lapse and their deliveries be sent twice (at least once).
                Log.RenewFailed(logger, expiring.Count, ex);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static string Host(string url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.Authority : url;

    private async Task RecordOutcomesAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Finished>(MaxClaim);
        while (await _outcomes.Reader.WaitToReadAsync(CancellationToken.None))
        {
            batch.Clear();
            while (batch.Count < MaxClaim && _outcomes.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }
            try
            {
                var now = time.GetUtcNow();
                var decided = new List<(DeliveryOutcome Outcome, string? DisableReason, ClaimedDelivery Claimed)>(batch.Count);
                var anyHeld = false;
                foreach (var item in batch)
                {
                    if (item.Result is { } result)
                    {
                        decided.Add(Decide(item.Claimed, result, now));
                    }
                    else
                    {
                        anyHeld = true;
                    }
                }
                var held = anyHeld
                    ? batch.Where(item => item.Held is not null).GroupBy(item => item.Held!.Value, item => item.Claimed.Delivery.Id).ToList()
                    : [];
                // Deferred: an outcome shares the next commit of appends instead of costing one of its own.
                var circuits = await store.WriteDeferredAsync(async tx =>
                {
                    if (decided.Count > 0)
                    {
                        await tx.CompleteDeliveriesAsync(decided.Select(d => d.Outcome).ToList(), now);
                    }
                    foreach (var group in held)
                    {
                        await tx.ReleaseDeliveriesAsync(group.ToList(), group.Key.Until, group.Key.Reason);
                    }
                    var changed = await RecordCircuitsAsync(tx, decided, now);
                    foreach (var (outcome, disableReason, claimed) in decided)
                    {
                        if (disableReason is not null && await tx.DisableWebhookAsync(outcome.WebhookId, disableReason, now))
                        {
                            await tx.AppendEventAsync(events.Create(WebhookEventTypes.AutomationDisabled, claimed.Delivery.OrganizationId,
                                new AutomationDisabledData(claimed.Delivery.AutomationId, disableReason)));
                            Log.WebhookDisabled(logger, outcome.WebhookId, claimed.Webhook.Url, disableReason);
                        }
                    }
                    return changed;
                }, CancellationToken.None);
                foreach (var circuit in circuits)
                {
                    gate.Remember(circuit);
                }
                foreach (var (outcome, _, claimed) in decided)
                {
                    switch (outcome.Status)
                    {
                        case DeliveryStatus.Succeeded:
                            metrics.Succeeded(now - claimed.Event.CreatedAt);
                            break;
                        case DeliveryStatus.Failed:
                            metrics.Failed();
                            break;
                        default:
                            metrics.Retried();
                            break;
                    }
                }
                if (_claimMayFindMore || circuits.Count > 0 || decided.Exists(MayUnblockClaims))
                {
                    _signal.Notify();
                }
            }
            catch (Exception ex)
            {
                // Not recorded: the leases lapse and the deliveries are sent again (at least once).
                Log.RecordFailed(logger, batch.Count, ex);
            }
            finally
            {
                // After the gate took the circuits: the next delivery in a failed attempt's lane sees an opening.
                foreach (var item in batch)
                {
                    item.Lane?.Release();
                }
            }
        }
    }

    /// <summary>
    /// An attempt's result, or (without one) a delivery the gate held: postponed until <see cref="Held"/>, not
    /// attempted. <see cref="Lane"/> is a failed attempt's lane, released once the outcome is recorded.
    /// </summary>
    private readonly record struct Finished(ClaimedDelivery Claimed, AttemptResult? Result, (DateTimeOffset Until, string Reason)? Held, SemaphoreSlim? Lane = null);

    /// <summary>
    /// Whether recording this outcome can make a delivery claimable now: the next one of an ordered webhook, a retry
    /// due at once, the rest of a webhook just disabled. A handed-off unordered success (the common case) cannot, and
    /// then no claim runs: at a low rate a claim after every outcome was a third write per event.
    /// </summary>
    private static bool MayUnblockClaims((DeliveryOutcome Outcome, string? DisableReason, ClaimedDelivery Claimed) decided) =>
        decided.Claimed.Webhook.Ordered || decided.Outcome.Status == DeliveryStatus.Pending || decided.DisableReason is not null;

    private (DeliveryOutcome Outcome, string? DisableReason, ClaimedDelivery Claimed) Decide(ClaimedDelivery claimed, AttemptResult result, DateTimeOffset now)
    {
        var number = claimed.Delivery.Attempts + 1;
        var attempt = new DeliveryAttempt(claimed.Delivery.Id, number, result.StartedAt, result.StatusCode, result.DurationMs, result.Error, result.ResponseBody, result.RequestHeaders);
        if (result.Succeeded)
        {
            return (new DeliveryOutcome(claimed.Delivery.Id, attempt, DeliveryStatus.Succeeded, now, claimed.Webhook.Id, true), null, claimed);
        }
        if (claimed.Webhook.Status != WebhookStatus.Active)
        {
            return (new DeliveryOutcome(claimed.Delivery.Id, attempt, DeliveryStatus.Failed, now, claimed.Webhook.Id, false), null, claimed);
        }
        if (result.StatusCode == 410)
        {
            return (new DeliveryOutcome(claimed.Delivery.Id, attempt, DeliveryStatus.Failed, now, claimed.Webhook.Id, false), "gone", claimed);
        }
        var disable = claimed.Webhook.FailingSince is { } since && now - since >= Settings.DisableAfter ? "failing" : null;
        var delay = RetryPolicy.NextDelay(number, Settings.EffectiveRetrySchedule, result.RetryAfter, Random.Shared.NextDouble());
        var outcome = delay is { } wait && disable is null
            ? new DeliveryOutcome(claimed.Delivery.Id, attempt, DeliveryStatus.Pending, now + wait, claimed.Webhook.Id, false)
            : new DeliveryOutcome(claimed.Delivery.Id, attempt, DeliveryStatus.Failed, now, claimed.Webhook.Id, false);
        return (outcome, disable, claimed);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEvents.DeliveryClaimFailed, Level = LogLevel.Error, Message = "Could not claim deliveries")]
        public static partial void ClaimFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = LogEvents.DeliverySendFailed, Level = LogLevel.Error, Message = "Delivery {DeliveryId} failed unexpectedly; it is sent again when its lease lapses")]
        public static partial void SendFailed(ILogger logger, string deliveryId, Exception exception);

        [LoggerMessage(EventId = LogEvents.DeliveryRecordFailed, Level = LogLevel.Error, Message = "Could not record {Count} delivery outcomes; they are sent again when their leases lapse")]
        public static partial void RecordFailed(ILogger logger, int count, Exception exception);

        [LoggerMessage(EventId = LogEvents.DeliveryLeaseLost, Level = LogLevel.Information,
            Message = "Delivery {DeliveryId} waited past its lease and another worker holds it now; not sent here")]
        public static partial void LeaseLost(ILogger logger, string deliveryId);

        [LoggerMessage(EventId = LogEvents.DeliveryLeaseRenewFailed, Level = LogLevel.Warning, Message = "Could not renew the leases of {Count} waiting deliveries")]
        public static partial void RenewFailed(ILogger logger, int count, Exception exception);

        [LoggerMessage(EventId = LogEvents.WebhookDisabled, Level = LogLevel.Warning, Message = "Disabled webhook {WebhookId} ({Url}): {Reason}")]
        public static partial void WebhookDisabled(ILogger logger, string webhookId, string url, string reason);
    }
}
