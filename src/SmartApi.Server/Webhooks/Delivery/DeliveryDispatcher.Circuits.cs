using SmartApi.Server.Infrastructure;
using SmartApi.Storage;
using SmartApi.Webhooks.Events;

namespace SmartApi.Server.Webhooks.Delivery;

internal sealed partial class DeliveryDispatcher
{
    /// <summary>
    /// Moves the circuits of a batch's webhooks on (ADR 041), in the transaction that records the
    /// attempts, and appends <c>automation.webhook.failing</c> / <c>.recovered</c> once per transition.
    /// Returns the circuits it changed, for this node's gate after the commit.
    /// </summary>
    private async ValueTask<List<WebhookCircuit>> RecordCircuitsAsync(
        IStoreTransaction tx, List<(DeliveryOutcome Outcome, string? DisableReason, ClaimedDelivery Claimed)> decided, DateTimeOffset now)
    {
        // Only attempts at an active webhook count; a webhook this node knows to be closed and clean
        // with nothing but successes here needs no look (the common case costs no extra query, and
        // is found by this loop without grouping the batch).
        var changed = new List<WebhookCircuit>();
        if (AllSucceededAtCleanCircuits(decided))
        {
            return changed;
        }
        var attempts = decided
            .Where(d => d.Claimed.Webhook.Status == WebhookStatus.Active && d.DisableReason is null)
            .GroupBy(d => d.Claimed.Webhook.Id, StringComparer.Ordinal)
            .Where(g => g.Any(d => !d.Outcome.WebhookSucceeded) || gate.Known(g.Key) is not { State: CircuitState.Closed, FailureStreak: 0 })
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        if (attempts.Count == 0)
        {
            return changed;
        }
        foreach (var circuit in await tx.LockWebhookCircuitsAsync(attempts.Keys))
        {
            var outcomes = attempts[circuit.WebhookId];
            var (next, transition, streak) = CircuitBreaker.Apply(circuit, outcomes.Select(d => d.Outcome.WebhookSucceeded), now);
            if (next == circuit)
            {
                changed.Add(circuit); // unchanged, but now known fresh
                continue;
            }
            await tx.SaveWebhookCircuitStateAsync(next);
            changed.Add(next);
            var claimed = outcomes[0].Claimed;
            switch (transition)
            {
                case CircuitBreaker.Transition.Opened:
                    await tx.AppendEventAsync(events.Create(WebhookEventTypes.AutomationWebhookFailing, claimed.Delivery.OrganizationId,
                        new AutomationWebhookCircuitData(claimed.Delivery.AutomationId, claimed.Webhook.ActionIndex, streak, next.NextProbeAt)));
                    Log.CircuitOpened(logger, circuit.WebhookId, claimed.Webhook.Url, streak, next.NextProbeAt);
                    break;
                case CircuitBreaker.Transition.Closed:
                    await tx.AppendEventAsync(events.Create(WebhookEventTypes.AutomationWebhookRecovered, claimed.Delivery.OrganizationId,
                        new AutomationWebhookCircuitData(claimed.Delivery.AutomationId, claimed.Webhook.ActionIndex, streak, null)));
                    Log.CircuitClosed(logger, circuit.WebhookId, claimed.Webhook.Url);
                    break;
                default:
                    if (circuit.State == CircuitState.HalfOpen && next.State == CircuitState.Open)
                    {
                        Log.ProbeFailed(logger, circuit.WebhookId, next.NextProbeAt);
                    }
                    break;
            }
        }
        return changed;
    }

    private bool AllSucceededAtCleanCircuits(List<(DeliveryOutcome Outcome, string? DisableReason, ClaimedDelivery Claimed)> decided)
    {
        string? checkedId = null;
        foreach (var (outcome, disableReason, claimed) in decided)
        {
            if (claimed.Webhook.Status != WebhookStatus.Active || disableReason is not null)
            {
                continue;
            }
            if (!outcome.WebhookSucceeded)
            {
                return false;
            }
            // A batch is mostly one webhook's: look each up once in a row.
            if (!string.Equals(checkedId, claimed.Webhook.Id, StringComparison.Ordinal))
            {
                if (gate.Known(claimed.Webhook.Id) is not { State: CircuitState.Closed, FailureStreak: 0 })
                {
                    return false;
                }
                checkedId = claimed.Webhook.Id;
            }
        }
        return true;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEvents.WebhookCircuitOpened, Level = LogLevel.Warning,
            Message = "Webhook {WebhookId} ({Url}) failed {Streak} times in a row: its circuit is open, next probe at {NextProbeAt}")]
        public static partial void CircuitOpened(ILogger logger, string webhookId, string url, int streak, DateTimeOffset? nextProbeAt);

        [LoggerMessage(EventId = LogEvents.WebhookCircuitClosed, Level = LogLevel.Information, Message = "Webhook {WebhookId} ({Url}) succeeded again: its circuit is closed")]
        public static partial void CircuitClosed(ILogger logger, string webhookId, string url);

        [LoggerMessage(EventId = LogEvents.WebhookProbeFailed, Level = LogLevel.Debug, Message = "The probe of webhook {WebhookId} failed; next probe at {NextProbeAt}")]
        public static partial void ProbeFailed(ILogger logger, string webhookId, DateTimeOffset? nextProbeAt);
    }
}
