using SmartApi.Contracts;
using SmartApi.Server.Infrastructure;

namespace SmartApi.Server.Automations;

/// <summary>Checks a webhook action's <c>rateLimit</c> and <c>circuitBreaker</c> (ADR 041).</summary>
internal static class WebhookLimitsValidation
{
    public const double MinRate = 0.01;
    public const double MaxRate = 10_000;
    public const int MaxBurst = 10_000;
    public const int MaxFailureThreshold = 100;
    public const int MaxProbeIntervalSeconds = 3600;

    public static WebhookRateLimit? RateLimit(WebhookRateLimit? limit, string field, ValidationErrors errors)
    {
        if (limit is null)
        {
            return null;
        }
        if (limit.PerSecond is not { } rate || !double.IsFinite(rate) || rate < MinRate || rate > MaxRate)
        {
            errors.Add($"{field}.perSecond", $"perSecond is required: {MinRate}-{MaxRate} deliveries per second.");
        }
        if (limit.Burst is < 1 or > MaxBurst)
        {
            errors.Add($"{field}.burst", $"burst must be 1-{MaxBurst}.");
        }
        return limit;
    }

    public static WebhookCircuitBreaker? CircuitBreaker(WebhookCircuitBreaker? breaker, string field, ValidationErrors errors)
    {
        if (breaker is null)
        {
            return null;
        }
        if (breaker.FailureThreshold is < 1 or > MaxFailureThreshold)
        {
            errors.Add($"{field}.failureThreshold", $"failureThreshold must be 1-{MaxFailureThreshold}.");
        }
        if (breaker.ProbeIntervalSeconds is < 1 or > MaxProbeIntervalSeconds)
        {
            errors.Add($"{field}.probeIntervalSeconds", $"probeIntervalSeconds must be 1-{MaxProbeIntervalSeconds}.");
        }
        return breaker;
    }
}
