using System.Net;
using Microsoft.Extensions.Options;
using SmartApi.Server.Infrastructure;

namespace SmartApi.Server.Webhooks;

/// <summary>The <c>SmartApi:Webhooks</c> section: where webhooks may go, how they are sent and retried, and their secrets.</summary>
internal sealed class WebhookOptions
{
    public const string Section = "SmartApi:Webhooks";

    public bool AllowPrivateNetworks { get; set; }
    public List<string> AllowedNetworks { get; set; } = [];
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
    public List<TimeSpan>? RetrySchedule { get; set; }

    /// <summary>Base64 of 32 bytes encrypting signing secrets at rest; default: a key file in the data directory.</summary>
    public string? EncryptionKey { get; set; }

    /// <summary>How long a rotated-out secret keeps signing.</summary>
    public TimeSpan SecretRotationOverlap { get; set; } = TimeSpan.FromHours(24);

    /// <summary>A webhook failing without a success for this long is disabled.</summary>
    public TimeSpan DisableAfter { get; set; } = TimeSpan.FromDays(5);

    /// <summary>Most requests in flight to one destination host.</summary>
    public int MaxConcurrencyPerHost { get; set; } = 32;

    /// <summary>How many nodes deliver webhooks: each enforces this share of a webhook's rate limit (ADR 041).</summary>
    public int RateLimitNodes { get; set; } = 1;

    /// <summary>The SPEC's default: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (about 28 h), each with +-20 % jitter.</summary>
    public static readonly IReadOnlyList<TimeSpan> DefaultRetrySchedule =
    [
        TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2),
        TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(10),
    ];

    public IReadOnlyList<TimeSpan> EffectiveRetrySchedule => RetrySchedule is { Count: > 0 } schedule ? schedule : DefaultRetrySchedule;
}

/// <summary>
/// Checks the webhooks section. (That PostgreSQL needs <see cref="WebhookOptions.EncryptionKey"/> is
/// checked with the storage settings, <see cref="StorageOptionsValidator"/>.)
/// </summary>
internal sealed class WebhookOptionsValidator : IValidateOptions<WebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookOptions options)
    {
        var failures = new OptionsFailures();
        foreach (var network in options.AllowedNetworks)
        {
            if (!IPNetwork.TryParse(network, out _))
            {
                failures.Fail("Webhooks:AllowedNetworks", $"'{network}' is not a CIDR range", "Use ranges such as 192.168.1.0/24 or fd00::/8");
            }
        }
        failures.Between("Webhooks:Timeout", options.Timeout, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(5));
        if (options.RetrySchedule is { } schedule && (schedule.Any(d => d <= TimeSpan.Zero) || schedule.Count > 50))
        {
            failures.Fail("Webhooks:RetrySchedule", "holds a delay that is not positive, or more than 50 delays", "List at most 50 positive durations such as 00:00:05");
        }
        if (options.EncryptionKey is { } encryptionKey && !IsBase64Key(encryptionKey))
        {
            failures.Fail("Webhooks:EncryptionKey", "is not the base64 of 32 bytes", "Generate one with: openssl rand -base64 32");
        }
        failures.Between("Webhooks:SecretRotationOverlap", options.SecretRotationOverlap, TimeSpan.Zero, TimeSpan.FromDays(30));
        if (options.DisableAfter <= TimeSpan.Zero)
        {
            failures.Fail("Webhooks:DisableAfter", $"{options.DisableAfter} is not positive", "Set a positive duration such as 5.00:00:00");
        }
        failures.Within("Webhooks:MaxConcurrencyPerHost", options.MaxConcurrencyPerHost, 1, 1024);
        failures.Within("Webhooks:RateLimitNodes", options.RateLimitNodes, 1, 1000);
        return failures.Result;
    }

    private static bool IsBase64Key(string text)
    {
        Span<byte> buffer = stackalloc byte[48];
        return Convert.TryFromBase64String(text, buffer, out var written) && written == 32;
    }
}
