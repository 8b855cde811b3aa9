using Microsoft.Extensions.Options;
using SmartApi.Server.Infrastructure;

namespace SmartApi.Server.WebConsole;

/// <summary>The <c>SmartApi:Console</c> section: how long a console session lives.</summary>
internal sealed class ConsoleOptions
{
    public const string Section = "SmartApi:Console";

    /// <summary>A session ends this long after sign-in, however active (absolute expiry).</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>A session unused for this long ends.</summary>
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromMinutes(30);
}

internal sealed class ConsoleOptionsValidator : IValidateOptions<ConsoleOptions>
{
    public ValidateOptionsResult Validate(string? name, ConsoleOptions options)
    {
        var failures = new OptionsFailures();
        failures.Between("Console:SessionLifetime", options.SessionLifetime, TimeSpan.FromMinutes(5), TimeSpan.FromDays(30));
        failures.Between("Console:SessionIdleTimeout", options.SessionIdleTimeout, TimeSpan.FromMinutes(1), options.SessionLifetime);
        return failures.Result;
    }
}
