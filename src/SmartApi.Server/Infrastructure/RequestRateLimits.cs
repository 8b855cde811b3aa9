using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using SmartApi.Server.ApiKeys;
using SmartApi.Server.Organizations;

namespace SmartApi.Server.Infrastructure;

/// <summary>
/// The request rate limit: a token bucket per API key (its organization's limits), and one per
/// client address for requests without a valid key, so a flood of wrong keys is limited too.
/// Runs after authentication and before authorization and every endpoint: a rejected request
/// costs no storage work. Answers carry the RateLimit-Policy and RateLimit fields of
/// draft-ietf-httpapi-ratelimit-headers-11.
/// </summary>
internal sealed class RequestRateLimits
{
    private const string KeyPolicy = "key";
    private const string AddressPolicy = "ip";

    private readonly OrganizationLimits _limits;
    private readonly int _anonymousPerSecond;
    private readonly int _anonymousBurst;
    private readonly ConcurrentDictionary<(bool Key, int Quota, int Window), string> _policies = new();

    public RequestRateLimits(OrganizationLimits limits, IOptions<LimitOptions> options)
    {
        _limits = limits;
        _anonymousPerSecond = options.Value.AnonymousRequestsPerSecond;
        _anonymousBurst = options.Value.AnonymousRequestBurst;
        Limiter = PartitionedRateLimiter.Create<HttpContext, Partition>(PartitionOf);
    }

    public PartitionedRateLimiter<HttpContext> Limiter { get; }

    /// <summary>One bucket per key (or address) and limit values: a changed limit starts a new bucket, the old one is dropped when idle.</summary>
    internal readonly record struct Partition(string? KeyId, IPAddress? Address, int PerSecond, int Burst);

    /// <summary>Middleware before the limiter: loads the caller's organization limits into the cache the (synchronous) partitioner reads.</summary>
    public Task LoadLimitsAsync(HttpContext context, RequestDelegate next)
    {
        if (context.User.Identity is CallerIdentity identity && _limits.TryGetCached(identity.Caller.OrganizationId) is null)
        {
            return LoadThenAsync(context, next, identity.Caller.OrganizationId);
        }
        return next(context);
    }

    private async Task LoadThenAsync(HttpContext context, RequestDelegate next, string organizationId)
    {
        await _limits.GetAsync(organizationId, context.RequestAborted);
        await next(context);
    }

    /// <summary>Middleware after the limiter: tells an admitted caller what is left.</summary>
    public Task AddHeadersAsync(HttpContext context, RequestDelegate next)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<DisableRateLimitingAttribute>() is null)
        {
            var partition = PartitionOf(context).PartitionKey;
            var available = Limiter.GetStatistics(context)?.CurrentAvailablePermits ?? partition.Burst;
            var missing = Math.Max(0, partition.Burst - available);
            WriteHeaders(context.Response.Headers, partition, available, (int)Math.Ceiling((double)missing / partition.PerSecond));
        }
        return next(context);
    }

    /// <summary>429 problem+json with Retry-After and the RateLimit fields.</summary>
    public async ValueTask OnRejectedAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var partition = PartitionOf(context).PartitionKey;
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait)
            ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds))
            : Math.Max(1, (int)Math.Ceiling(1.0 / partition.PerSecond));
        context.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        WriteHeaders(context.Response.Headers, partition, 0, retryAfter);
        var who = partition.KeyId is null ? "this client address without a valid API key" : "this API key";
        await Problems.Create(StatusCodes.Status429TooManyRequests, "rate_limited", "Too many requests",
                $"The request rate of {who} is limited to {partition.PerSecond}/s (burst {partition.Burst}): retry after {retryAfter} s.")
            .ExecuteAsync(context);
    }

    private void WriteHeaders(IHeaderDictionary headers, Partition partition, long remaining, int reset)
    {
        var window = Math.Max(1, (int)Math.Ceiling((double)partition.Burst / partition.PerSecond));
        var isKey = partition.KeyId is not null;
        headers["RateLimit-Policy"] = _policies.GetOrAdd((isKey, partition.Burst, window),
            static p => string.Create(CultureInfo.InvariantCulture, $"\"{(p.Key ? KeyPolicy : AddressPolicy)}\";q={p.Quota};w={p.Window}"));
        headers["RateLimit"] = string.Create(CultureInfo.InvariantCulture,
            $"\"{(isKey ? KeyPolicy : AddressPolicy)}\";r={remaining};t={reset}");
    }

    private RateLimitPartition<Partition> PartitionOf(HttpContext context)
    {
        Partition key;
        if (context.User.Identity is CallerIdentity identity)
        {
            var limits = _limits.TryGetCached(identity.Caller.OrganizationId) ?? _limits.Defaults;
            key = new Partition(identity.Caller.KeyId, null, limits.RequestsPerSecond, limits.RequestBurst);
        }
        else
        {
            key = new Partition(null, context.Connection.RemoteIpAddress, _anonymousPerSecond, _anonymousBurst);
        }
        return RateLimitPartition.GetTokenBucketLimiter(key, static p => Bucket(p.PerSecond, p.Burst));
    }

    /// <summary>
    /// Refilled by the partitioned limiter's own 100 ms timer (AutoReplenishment off: no timer per
    /// bucket); a rate that does not split into tenths is refilled once a second instead.
    /// </summary>
    private static TokenBucketRateLimiterOptions Bucket(int perSecond, int burst) => new()
    {
        TokenLimit = burst,
        TokensPerPeriod = perSecond % 10 == 0 ? perSecond / 10 : perSecond,
        ReplenishmentPeriod = perSecond % 10 == 0 ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = false,
    };
}
