using Microsoft.Extensions.Options;
using SmartApi.Server.Infrastructure;

namespace SmartApi.Server.Organizations;

/// <summary>The <c>SmartApi:Limits</c> section: server-wide limits; an organization's own <c>limits</c> override each one.</summary>
internal sealed class LimitOptions
{
    public const string Section = "SmartApi:Limits";

    /// <summary>Sustained requests per second per API key (token bucket refill).</summary>
    public int RequestsPerSecond { get; set; } = 1000;

    /// <summary>Requests an idle API key may send at once (token bucket size).</summary>
    public int RequestBurst { get; set; } = 2000;

    /// <summary>Requests per second per client IP address without a valid API key (missing or wrong keys).</summary>
    public int AnonymousRequestsPerSecond { get; set; } = 50;

    /// <summary>Burst per client IP address without a valid API key.</summary>
    public int AnonymousRequestBurst { get; set; } = 100;

    public int MaxDevices { get; set; } = 10_000;
    public int MaxAutomations { get; set; } = 1_000;

    /// <summary>Webhook actions across all of an organization's automations.</summary>
    public int MaxWebhooks { get; set; } = 1_000;
}

internal sealed class LimitOptionsValidator : IValidateOptions<LimitOptions>
{
    public ValidateOptionsResult Validate(string? name, LimitOptions limits)
    {
        var failures = new OptionsFailures();
        failures.Within("Limits:RequestsPerSecond", limits.RequestsPerSecond, 1, LimitValidation.MaxRate);
        failures.Within("Limits:RequestBurst", limits.RequestBurst, 1, LimitValidation.MaxRate * 10L);
        failures.Within("Limits:AnonymousRequestsPerSecond", limits.AnonymousRequestsPerSecond, 1, LimitValidation.MaxRate);
        failures.Within("Limits:AnonymousRequestBurst", limits.AnonymousRequestBurst, 1, LimitValidation.MaxRate * 10L);
        failures.Within("Limits:MaxDevices", limits.MaxDevices, 0, LimitValidation.MaxQuota);
        failures.Within("Limits:MaxAutomations", limits.MaxAutomations, 0, LimitValidation.MaxQuota);
        failures.Within("Limits:MaxWebhooks", limits.MaxWebhooks, 0, LimitValidation.MaxQuota);
        return failures.Result;
    }
}
