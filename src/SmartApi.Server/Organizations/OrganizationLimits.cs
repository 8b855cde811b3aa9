using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using SmartApi.Server.Infrastructure;
using SmartApi.Server.Mqtt;
using SmartApi.Storage;

namespace SmartApi.Server.Organizations;

/// <summary>The limits that apply to one organization: its own overrides, else the server's defaults.</summary>
internal sealed record EffectiveLimits(
    int RequestsPerSecond,
    int RequestBurst,
    int MaxDevices,
    int MaxAutomations,
    int MaxWebhooks,
    double DeviceMessagesPerSecond);

/// <summary>The countable resources an organization's quotas cap; the names are the <c>quota</c> member of a 403 answer.</summary>
internal enum Quota
{
    Devices,
    Automations,
    Webhooks,
}

/// <summary>
/// Resolves an organization's effective limits (cached per node for <see cref="CacheDuration"/>; a
/// change through this node's API applies at once, on other nodes within that time) and checks
/// its quotas. Provider-neutral: the HTTP rate limiter, the quota checks and the MQTT gateway
/// all ask it.
/// </summary>
internal sealed class OrganizationLimits(IOrganizationStore store, IOptions<LimitOptions> options, IOptions<MqttOptions> mqtt, TimeProvider time)
{
    public static readonly TimeSpan CacheDuration = TimeSpan.FromSeconds(30);
    private const int MaxCachedOrganizations = 100_000;

    private readonly ConcurrentDictionary<string, (EffectiveLimits Limits, long ExpiresAt)> _cache = new(StringComparer.Ordinal);

    /// <summary>The server-wide defaults (<c>SmartApi:Limits</c>, and <c>SmartApi:Mqtt:MessageRate</c> for devices).</summary>
    public EffectiveLimits Defaults { get; } = FromOptions(options.Value, mqtt.Value);

    /// <summary>The organization's effective limits; an unknown organization gets the defaults.</summary>
    public ValueTask<EffectiveLimits> GetAsync(string organizationId, CancellationToken cancellationToken = default) =>
        TryGetCached(organizationId) is { } cached ? ValueTask.FromResult(cached) : LoadAsync(organizationId, cancellationToken);

    /// <summary>The cached limits, or null when they have not been loaded or have expired (no I/O: for synchronous callers).</summary>
    public EffectiveLimits? TryGetCached(string organizationId) =>
        _cache.TryGetValue(organizationId, out var entry) && entry.ExpiresAt > time.GetTimestamp() ? entry.Limits : null;

    /// <summary>Drops this node's cached limits of the organization (after a change).</summary>
    public void Invalidate(string organizationId) => _cache.TryRemove(organizationId, out _);

    public EffectiveLimits Resolve(OrganizationLimitOverrides? overrides) => overrides is null ? Defaults : new(
        overrides.RequestsPerSecond ?? Defaults.RequestsPerSecond,
        overrides.RequestBurst ?? Defaults.RequestBurst,
        overrides.MaxDevices ?? Defaults.MaxDevices,
        overrides.MaxAutomations ?? Defaults.MaxAutomations,
        overrides.MaxWebhooks ?? Defaults.MaxWebhooks,
        overrides.DeviceMessagesPerSecond ?? Defaults.DeviceMessagesPerSecond);

    /// <summary>
    /// Null when the organization may add <paramref name="adding"/> of the resource, else the 403
    /// answer naming the quota. Counted before the write: concurrent creates may overshoot by at
    /// most their number (documented in docs/configuration.md).
    /// </summary>
    public async Task<ProblemHttpResult?> CheckQuotaAsync(string organizationId, Quota quota, int adding, CancellationToken cancellationToken)
    {
        if (adding <= 0)
        {
            return null;
        }
        var limits = await GetAsync(organizationId, cancellationToken);
        var usage = await store.GetOrganizationUsageAsync(organizationId, cancellationToken);
        var (limit, count, name) = quota switch
        {
            Quota.Devices => (limits.MaxDevices, usage.Devices, "devices"),
            Quota.Automations => (limits.MaxAutomations, usage.Automations, "automations"),
            _ => (limits.MaxWebhooks, usage.Webhooks, "webhooks"),
        };
        return count + adding <= limit ? null : Problems.QuotaExceeded(name, limit, count);
    }

    private async ValueTask<EffectiveLimits> LoadAsync(string organizationId, CancellationToken cancellationToken)
    {
        var organization = await store.GetOrganizationAsync(organizationId, cancellationToken);
        var limits = Resolve(organization?.Limits);
        if (_cache.Count >= MaxCachedOrganizations)
        {
            _cache.Clear();
        }
        _cache[organizationId] = (limits, time.GetTimestamp() + (long)(CacheDuration.TotalSeconds * time.TimestampFrequency));
        return limits;
    }

    /// <summary>The device message rate's default is the broker's own setting (<c>SmartApi:Mqtt:MessageRate</c>).</summary>
    private static EffectiveLimits FromOptions(LimitOptions o, MqttOptions mqtt) =>
        new(o.RequestsPerSecond, o.RequestBurst, o.MaxDevices, o.MaxAutomations, o.MaxWebhooks, mqtt.MessageRate);
}
