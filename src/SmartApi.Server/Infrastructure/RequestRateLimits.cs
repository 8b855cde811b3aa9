using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using SmartApi.Server.ApiKeys;
using SmartApi.Server.Organizations;

namespace SmartApi.Server.Infrastructure;

/// <summary>
/// The request rate limit: a token bucket per API key (its organization's limits), and one per
/// client address (an IPv6 client's /64) for requests without a valid key, so a flood of wrong
/// keys is limited too.
/// Runs after authentication and before authorization and every endpoint: a rejected request
/// costs no storage work. Answers carry the RateLimit-Policy and RateLimit fields of
/// draft-ietf-httpapi-ratelimit-headers-11. Endpoints marked <c>DisableRateLimiting()</c>
/// (probes, scrapes, documentation) pass untouched.
/// The buckets are <see cref="TokenBucket"/>s refilled when asked, not ASP.NET Core's rate
/// limiting middleware: its partitioned limiters (ours and the middleware's own for endpoint
/// policies) each woke the thread pool ten times a second, most of an idle server's CPU. They
/// read the wall clock (<see cref="TimeProvider.System"/>), as the library did, so a test's fake
/// clock does not starve them.
/// </summary>
internal sealed class RequestRateLimits
{
    private const string KeyPolicy = "key";
    private const string AddressPolicy = "ip";

    private readonly OrganizationLimits _limits;
    private readonly int _anonymousPerSecond;
    private readonly int _anonymousBurst;
    private readonly TimeProvider _time = TimeProvider.System;
    // Swept at most every 10 s, as the library's idle limit of 10 s kept it.
    private readonly TokenBucketTable<Partition> _buckets = new(TimeSpan.FromSeconds(10), TimeProvider.System);
    private readonly ConcurrentDictionary<(bool Key, int Quota, int Window), string> _policies = new();

    public RequestRateLimits(OrganizationLimits limits, IOptions<LimitOptions> options)
    {
        _limits = limits;
        _anonymousPerSecond = options.Value.AnonymousRequestsPerSecond;
        _anonymousBurst = options.Value.AnonymousRequestBurst;
    }

    /// <summary>One bucket per key (or address) and limit values: a changed limit starts a new bucket, the old one is dropped when full.</summary>
    internal readonly record struct Partition(string? KeyId, IPAddress? Address, int PerSecond, int Burst);

    /// <summary>Middleware before the limiter: loads the caller's organization limits into the cache the limiter reads.</summary>
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

    /// <summary>The limiter: takes the caller's token and says what is left, or answers 429.</summary>
    public Task LimitAsync(HttpContext context, RequestDelegate next)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<DisableRateLimitingAttribute>() is not null)
        {
            return next(context);
        }
        var partition = PartitionOf(context);
        var now = _time.GetTimestamp();
        var frequency = _time.TimestampFrequency;
        var bucket = _buckets.Get(partition, partition.PerSecond, partition.Burst, now);
        if (!bucket.TryTake(now, frequency, out var left))
        {
            return RejectAsync(context, partition, Math.Max(1, (int)Math.Ceiling(bucket.SecondsUntil(1, now, frequency))));
        }
        var available = (int)Math.Floor(left);
        var missing = Math.Max(0, partition.Burst - available);
        WriteHeaders(context.Response.Headers, partition, available, (int)Math.Ceiling((double)missing / partition.PerSecond));
        return next(context);
    }

    /// <summary>429 problem+json with Retry-After and the RateLimit fields.</summary>
    private async Task RejectAsync(HttpContext context, Partition partition, int retryAfter)
    {
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

    private Partition PartitionOf(HttpContext context)
    {
        if (context.User.Identity is CallerIdentity identity)
        {
            var limits = _limits.TryGetCached(identity.Caller.OrganizationId) ?? _limits.Defaults;
            return new Partition(identity.Caller.KeyId, null, limits.RequestsPerSecond, limits.RequestBurst);
        }
        return new Partition(null, ClientNetwork(context.Connection.RemoteIpAddress), _anonymousPerSecond, _anonymousBurst);
    }

    /// <summary>
    /// The unit an anonymous caller is limited by: an IPv4 address (also when it arrives mapped into
    /// IPv6 by a dual-stack socket), or an IPv6 address's /64 network, which one subscriber usually
    /// holds whole: per address, a client could spread a flood over 2^64 addresses.
    /// </summary>
    internal static IPAddress? ClientNetwork(IPAddress? address)
    {
        if (address is null || address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address;
        }
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes);
    }
}
