using Microsoft.Extensions.Options;
using SmartApi.Server.Infrastructure;

namespace SmartApi.Server.Events;

/// <summary>The <c>SmartApi:Events</c> section: live event streams.</summary>
internal sealed class EventOptions
{
    public const string Section = "SmartApi:Events";

    /// <summary>How often an idle live stream sends a comment line, so proxies and clients see it alive.</summary>
    public TimeSpan StreamHeartbeat { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often a stream reads the log without a wake-up: catches events written by other nodes.</summary>
    public TimeSpan StreamPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A stream whose client has not taken its data within this time is disconnected.</summary>
    public TimeSpan StreamWriteTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Live streams open at once per organization; more answer 429.</summary>
    public int MaxStreamsPerOrganization { get; set; } = 20;
}

internal sealed class EventOptionsValidator : IValidateOptions<EventOptions>
{
    public ValidateOptionsResult Validate(string? name, EventOptions options)
    {
        var failures = new OptionsFailures();
        failures.Between("Events:StreamHeartbeat", options.StreamHeartbeat, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10));
        failures.Between("Events:StreamPollInterval", options.StreamPollInterval, TimeSpan.FromMilliseconds(50), TimeSpan.FromMinutes(1));
        failures.Between("Events:StreamWriteTimeout", options.StreamWriteTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        failures.Within("Events:MaxStreamsPerOrganization", options.MaxStreamsPerOrganization, 1, 10_000);
        return failures.Result;
    }
}
