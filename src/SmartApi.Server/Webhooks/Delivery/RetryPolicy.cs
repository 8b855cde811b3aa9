namespace SmartApi.Server.Webhooks.Delivery;

/// <summary>
/// When to try a failed delivery again (SPEC: Webhook requests). Attempt n failing waits
/// <c>schedule[n-1]</c> with +-20 % jitter, so receivers recovering from an outage are not hit by
/// every retry at once. A <c>Retry-After</c> (429, 503) is honoured but bounded: never sooner than
/// scheduled, never later than twice the scheduled delay. After the last delay the delivery fails.
/// </summary>
internal static class RetryPolicy
{
    public const double Jitter = 0.2;

    /// <param name="attemptNumber">The attempt that just failed, from 1.</param>
    /// <param name="random">A value in [0, 1) choosing the jitter.</param>
    public static TimeSpan? NextDelay(int attemptNumber, IReadOnlyList<TimeSpan> schedule, TimeSpan? retryAfter, double random)
    {
        if (attemptNumber < 1 || attemptNumber > schedule.Count)
        {
            return null;
        }
        var scheduled = schedule[attemptNumber - 1] * (1 - Jitter + 2 * Jitter * random);
        if (retryAfter is { } requested)
        {
            return requested < scheduled ? scheduled : requested > scheduled * 2 ? scheduled * 2 : requested;
        }
        return scheduled;
    }

    /// <summary>Reads <c>Retry-After</c> as delta seconds or an HTTP date.</summary>
    public static TimeSpan? ParseRetryAfter(System.Net.Http.Headers.RetryConditionHeaderValue? header, DateTimeOffset now) => header switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date > now ? date - now : TimeSpan.Zero,
        _ => null,
    };
}
