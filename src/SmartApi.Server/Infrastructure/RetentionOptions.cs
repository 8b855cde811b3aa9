using Microsoft.Extensions.Options;

namespace SmartApi.Server.Infrastructure;

/// <summary>The <c>SmartApi:Retention</c> section (<see cref="RetentionService"/>).</summary>
internal sealed class RetentionOptions
{
    public const string Section = "SmartApi:Retention";

    /// <summary>
    /// Events, deliveries and attempts older than this are deleted: the default of every organization
    /// and the longest any may keep them (an organization's own retention can only be shorter).
    /// </summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// Measurements older than this are deleted (PostgreSQL drops whole daily partitions): the default
    /// of every organization and the longest any may keep them.
    /// </summary>
    public TimeSpan MeasurementsMaxAge { get; set; } = TimeSpan.FromDays(365);

    /// <summary>How often retention runs.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(10);
}

internal sealed class RetentionOptionsValidator : IValidateOptions<RetentionOptions>
{
    public ValidateOptionsResult Validate(string? name, RetentionOptions options)
    {
        var failures = new OptionsFailures();
        failures.Between("Retention:MaxAge", options.MaxAge, TimeSpan.FromHours(1), TimeSpan.MaxValue);
        failures.Between("Retention:MeasurementsMaxAge", options.MeasurementsMaxAge, TimeSpan.FromDays(1), TimeSpan.MaxValue);
        failures.Between("Retention:Interval", options.Interval, TimeSpan.FromSeconds(1), TimeSpan.MaxValue);
        return failures.Result;
    }
}
