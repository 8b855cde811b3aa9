using Microsoft.Extensions.Options;
using SmartApi.Server.Infrastructure;

namespace SmartApi.Server.Devices;

/// <summary>The <c>SmartApi:Commands</c> section: commands sent to devices (<see cref="DeviceService"/>).</summary>
internal sealed class CommandOptions
{
    public const string Section = "SmartApi:Commands";

    /// <summary>How long a command waits for delivery to its device before it expires.</summary>
    public TimeSpan Ttl { get; set; } = TimeSpan.FromMinutes(5);
}

internal sealed class CommandOptionsValidator : IValidateOptions<CommandOptions>
{
    public ValidateOptionsResult Validate(string? name, CommandOptions options)
    {
        var failures = new OptionsFailures();
        if (options.Ttl <= TimeSpan.Zero)
        {
            failures.Fail("Commands:Ttl", $"{options.Ttl} is not positive", "Set a positive duration such as 00:05:00");
        }
        return failures.Result;
    }
}
