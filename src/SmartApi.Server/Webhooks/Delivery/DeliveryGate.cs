using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;
using SmartApi.Storage;

namespace SmartApi.Server.Webhooks.Delivery;

/// <summary>
/// Decides, before a delivery takes its lane, whether it goes now: its webhook's circuit and rate
/// limit may hold it (ADR 041); after the lane wait, the circuit decides once more from memory. A
/// held delivery is postponed in the outbox without an attempt, so it uses up no retry and is never
/// lost. The circuits are read from the store and kept for a second, so every node follows a circuit
/// another node opened within about that long; the probe itself is taken in the store, so only one
/// node sends it.
/// </summary>
internal sealed class DeliveryGate(ISmartApiStore store, TimeProvider time, IOptions<WebhookOptions> options)
{
    /// <summary>How long a node trusts its copy of a circuit.</summary>
    public static readonly TimeSpan CircuitFreshness = TimeSpan.FromSeconds(1);

    /// <summary>A delivery whose rate-limit slot is at most this far off waits for it in memory; a later one is postponed.</summary>
    public static readonly TimeSpan MaxRateWait = TimeSpan.FromSeconds(1);

    // The read itself is kept, so a burst of deliveries to one webhook shares one query.
    private readonly ConcurrentDictionary<string, (Task<WebhookCircuit?> Circuit, long ReadAt)> _circuits = new(StringComparer.Ordinal);
    private readonly RateLimiter _rates = new();
    // The delivery sending each webhook's current probe (taken by this node).
    private readonly ConcurrentDictionary<string, string> _probes = new(StringComparer.Ordinal);

    /// <summary>Null when the delivery may go now (after any short wait), else until when and why it is held.</summary>
    public ValueTask<(DateTimeOffset Until, string Reason)?> CheckAsync(ClaimedDelivery claimed, CancellationToken cancellationToken) =>
        // The common case, a fresh copy of a closed circuit without a rate limit, is decided here without
        // an async state machine: it runs once per delivery.
        Known(claimed.Webhook.Id) is { State: CircuitState.Closed, Limits.RatePerSecond: null }
            ? default
            : CheckSlowAsync(claimed, cancellationToken);

    private async ValueTask<(DateTimeOffset Until, string Reason)?> CheckSlowAsync(ClaimedDelivery claimed, CancellationToken cancellationToken)
    {
        var webhookId = claimed.Webhook.Id;
        var circuit = await CircuitAsync(webhookId).WaitAsync(cancellationToken);
        if (circuit is null)
        {
            return null;
        }
        if (Trips(circuit))
        {
            return await CircuitHoldAsync(claimed, circuit, cancellationToken); // the probe is not rate limited: it is one request per interval
        }
        if (RateLimiter.Share(circuit.Limits, options.Value.RateLimitNodes) is not { } rate)
        {
            return null;
        }
        var now = time.GetUtcNow();
        var allowedAt = _rates.Reserve(webhookId, rate.PerSecond, rate.Burst, now, MaxRateWait);
        if (allowedAt > now + MaxRateWait)
        {
            return (allowedAt, HeldReason.RateLimit);
        }
        if (allowedAt > now)
        {
            await Task.Delay(allowedAt - now, time, cancellationToken);
        }
        return null;
    }

    /// <summary>
    /// Decides again after the lane wait, just before the request, whether a circuit that opened meanwhile
    /// holds the delivery: from this node's latest copy (of any age: the node's own recordings update it at
    /// once), with no query and no second rate-limit token. The probe this node took is not held by its own
    /// check. Only a copy whose probe is due looks further, as <see cref="CheckAsync"/> does.
    /// </summary>
    public ValueTask<(DateTimeOffset Until, string Reason)?> RecheckAsync(ClaimedDelivery claimed, CancellationToken cancellationToken) =>
        _circuits.TryGetValue(claimed.Webhook.Id, out var known) && !(known.Circuit.IsCompletedSuccessfully && !Trips(known.Circuit.Result))
            ? RecheckSlowAsync(claimed, known.Circuit, cancellationToken)
            : default;

    private async ValueTask<(DateTimeOffset Until, string Reason)?> RecheckSlowAsync(
        ClaimedDelivery claimed, Task<WebhookCircuit?> copy, CancellationToken cancellationToken)
    {
        WebhookCircuit? circuit;
        try
        {
            // A read already under way (not a new one): the pre-lane check let the delivery through either way.
            circuit = await copy.WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        if (!Trips(circuit) || _probes.TryRemove(KeyValuePair.Create(circuit.WebhookId, claimed.Delivery.Id)))
        {
            return null;
        }
        if (circuit.NextProbeAt is { } due && due > time.GetUtcNow())
        {
            return (due, HeldReason.CircuitOpen);
        }
        // The copy's probe is due (it may be old): decide on a copy at most a second old, as before the lane.
        var decided = await CircuitHoldAsync(claimed, await CircuitAsync(circuit.WebhookId).WaitAsync(cancellationToken), cancellationToken);
        if (decided is null)
        {
            // Sent now, so no later check of this delivery may take it for the probe.
            _probes.TryRemove(KeyValuePair.Create(circuit.WebhookId, claimed.Delivery.Id));
        }
        return decided;
    }

    /// <summary>Whether a webhook's failed attempts can open its circuit, as far as this node knows (for keeping the lane until they are recorded).</summary>
    public bool MayOpen(string webhookId) =>
        !_circuits.TryGetValue(webhookId, out var known) || !known.Circuit.IsCompletedSuccessfully || known.Circuit.Result is { Limits.FailureThreshold: > 0 };

    private static bool Trips([NotNullWhen(true)] WebhookCircuit? circuit) =>
        circuit is { Limits.FailureThreshold: > 0 } && circuit.State != CircuitState.Closed;

    /// <summary>An open or half-open circuit holds the delivery until its next probe, or makes it the probe when one is due.</summary>
    private async ValueTask<(DateTimeOffset Until, string Reason)?> CircuitHoldAsync(ClaimedDelivery claimed, WebhookCircuit? circuit, CancellationToken cancellationToken)
    {
        if (!Trips(circuit))
        {
            return null;
        }
        var now = time.GetUtcNow();
        if (circuit.NextProbeAt is { } due && due > now)
        {
            return (due, HeldReason.CircuitOpen);
        }
        var webhookId = circuit.WebhookId;
        var next = now + circuit.Limits.ProbeInterval;
        if (!await store.WriteAsync(tx => tx.TakeWebhookProbeAsync(webhookId, now, next), cancellationToken))
        {
            // Another delivery or node took it: hold this one, and the rest from memory, until about the
            // next probe; the cache's one-second expiry then reads the stored time.
            Remember(circuit with { NextProbeAt = next });
            return (next, HeldReason.CircuitOpen);
        }
        // Marked before the copy turns half-open, so the probe's own check after its lane wait lets it go.
        _probes[webhookId] = claimed.Delivery.Id;
        Remember(circuit with { State = CircuitState.HalfOpen, NextProbeAt = next });
        return null;
    }

    /// <summary>Keeps the circuit this node just stored (after its commit).</summary>
    public void Remember(WebhookCircuit circuit)
    {
        if (circuit.State == CircuitState.Closed)
        {
            _probes.TryRemove(circuit.WebhookId, out _); // no probe is out any more
        }
        _circuits[circuit.WebhookId] = (Task.FromResult<WebhookCircuit?>(circuit), time.GetTimestamp());
    }

    /// <summary>This node's copy of a circuit if fresh (for deciding whether a batch needs to look at it).</summary>
    public WebhookCircuit? Known(string webhookId) =>
        _circuits.TryGetValue(webhookId, out var known) && Fresh(known) && known.Circuit.IsCompletedSuccessfully ? known.Circuit.Result : null;

    private Task<WebhookCircuit?> CircuitAsync(string webhookId) =>
        _circuits.TryGetValue(webhookId, out var known) && Fresh(known) ? known.Circuit : Refresh(webhookId);

    private bool Fresh((Task<WebhookCircuit?> Circuit, long ReadAt) known) =>
        !known.Circuit.IsFaulted && !known.Circuit.IsCanceled && time.GetElapsedTime(known.ReadAt) < CircuitFreshness;

    private Task<WebhookCircuit?> Refresh(string webhookId)
    {
        var read = ReadAsync(webhookId);
        _circuits[webhookId] = (read, time.GetTimestamp());
        return read;
    }

    private async Task<WebhookCircuit?> ReadAsync(string webhookId) =>
        await store.ListWebhookCircuitsAsync([webhookId], CancellationToken.None) is [var circuit, ..] ? circuit : null;
}
