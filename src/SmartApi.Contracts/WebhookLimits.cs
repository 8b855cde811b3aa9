using System.Text.Json.Serialization;

namespace SmartApi.Contracts;

/// <summary>A webhook's maximum delivery rate: a token bucket of <c>burst</c> requests refilled at <c>perSecond</c>.</summary>
/// <param name="PerSecond">Deliveries per second, 0.01-10000. Deliveries over the rate wait; they are not attempts and never fail for it.</param>
/// <param name="Burst">How many may go at once after a quiet spell, 1-10000; by default the rate rounded up (at least 1).</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record WebhookRateLimit(double? PerSecond, int? Burst = null);

/// <summary>A webhook's circuit breaker: after <c>failureThreshold</c> failed attempts in a row the circuit opens, and one probe per <c>probeIntervalSeconds</c> tests the receiver until one succeeds.</summary>
/// <param name="Enabled">On by default; <c>false</c> sends every delivery whatever the receiver's record.</param>
/// <param name="FailureThreshold">Consecutive failed attempts that open the circuit, 1-100 (default 5).</param>
/// <param name="ProbeIntervalSeconds">Seconds between probes while open, 1-3600 (default 30).</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record WebhookCircuitBreaker(bool? Enabled = null, int? FailureThreshold = null, int? ProbeIntervalSeconds = null);

/// <summary>A webhook's circuit as the delivery engine sees it now.</summary>
/// <param name="State"><c>closed</c> (deliveries flow), <c>open</c> (held until the next probe) or <c>half_open</c> (a probe is out).</param>
/// <param name="FailureStreak">Failed attempts in a row since the last success.</param>
/// <param name="NextProbeAt">While not closed: when the next probe may go.</param>
/// <param name="ChangedAt">When the state last changed.</param>
public sealed record WebhookCircuitState(string State, int FailureStreak, DateTimeOffset? NextProbeAt, DateTimeOffset? ChangedAt);
