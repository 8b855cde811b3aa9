using SmartApi.Storage;

namespace SmartApi.Server.Webhooks.Delivery;

/// <summary>
/// The circuit's rules (ADR 041), decided here once; storage only keeps the state. Closed: deliveries
/// flow and failed attempts in a row are counted; at the threshold the circuit opens. Open: deliveries
/// are held (postponed, not attempted) until the next probe. A probe (one per interval, taken in the
/// store so only one node sends it) makes the circuit half-open; its success closes the circuit, its
/// failure opens it again. Any success closes it.
/// </summary>
internal static class CircuitBreaker
{
    internal enum Transition
    {
        None,
        Opened,
        Closed,
    }

    /// <summary>Applies one batch's attempts (in order: true for a success) to a circuit.</summary>
    public static (WebhookCircuit Circuit, Transition Transition, int StreakBefore) Apply(WebhookCircuit circuit, IEnumerable<bool> attempts, DateTimeOffset now)
    {
        var state = circuit.State;
        var streak = circuit.FailureStreak;
        var streakBefore = streak;
        var next = circuit.NextProbeAt;
        var changed = circuit.ChangedAt;
        var transition = Transition.None;
        var threshold = circuit.Limits.FailureThreshold;
        foreach (var succeeded in attempts)
        {
            if (succeeded)
            {
                if (state != CircuitState.Closed)
                {
                    // Once per opening: a success after an Opened in this same batch cancels it out.
                    transition = transition == Transition.Opened ? Transition.None : Transition.Closed;
                    streakBefore = streak;
                    state = CircuitState.Closed;
                    next = null;
                    changed = now;
                }
                streak = 0;
                continue;
            }
            streak++;
            if (threshold == 0)
            {
                continue;
            }
            if (state == CircuitState.Closed && streak >= threshold)
            {
                transition = transition == Transition.Closed ? Transition.None : Transition.Opened;
                streakBefore = streak;
                state = CircuitState.Open;
                next = now + circuit.Limits.ProbeInterval;
                changed = now;
            }
            else if (state == CircuitState.HalfOpen)
            {
                // The probe failed: wait a full interval from now (the probe may have taken a timeout).
                state = CircuitState.Open;
                next = Later(next, now + circuit.Limits.ProbeInterval);
                changed = now;
            }
        }
        return (circuit with { State = state, FailureStreak = streak, NextProbeAt = next, ChangedAt = changed }, transition, streakBefore);
    }

    private static DateTimeOffset Later(DateTimeOffset? a, DateTimeOffset b) => a is { } x && x > b ? x : b;
}
