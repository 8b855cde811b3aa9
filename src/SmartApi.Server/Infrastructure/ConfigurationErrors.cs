using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace SmartApi.Server.Infrastructure;

/// <summary>
/// Turns a configuration mistake found at start-up into one line per problem on stderr, naming the
/// key, what is wrong and how to fix it, instead of an unhandled exception and its stack trace.
/// </summary>
internal static partial class ConfigurationErrors
{
    public const int ExitCode = 1;

    /// <summary>The lines to print, or null when <paramref name="exception"/> is not a configuration mistake.</summary>
    public static IReadOnlyList<string>? Describe(Exception exception)
    {
        switch (exception)
        {
            case OptionsValidationException validation:
                return [.. validation.Failures.SelectMany(f => f.Split('\n', StringSplitOptions.RemoveEmptyEntries)).Select(Line)];
            case InvalidOperationException when BindingFailure().Match(exception.Message) is { Success: true } match:
                return [Line($"{match.Groups["key"].Value}: the value is not {Expected(match.Groups["type"].Value)}. Set it to {Expected(match.Groups["type"].Value)}.")];
            case AggregateException aggregate when aggregate.InnerExceptions.Count > 0:
                var lines = aggregate.InnerExceptions.Select(Describe).ToList();
                return lines.All(l => l is not null) ? [.. lines.SelectMany(l => l!)] : null;
            default:
                return exception.InnerException is { } inner && exception is System.Reflection.TargetInvocationException ? Describe(inner) : null;
        }
    }

    /// <summary>Resolves and validates the options now, before the host starts (whose failure would be logged with a stack trace).</summary>
    public static void ValidateNow(IServiceProvider services) => _ = services.GetRequiredService<IOptions<SmartApiOptions>>().Value;

    private static string Line(string failure) => "Configuration error: " + failure.ReplaceLineEndings(" ").Trim();

    private static string Expected(string type) => type switch
    {
        "System.Int32" or "System.Int64" => "a whole number",
        "System.Boolean" => "true or false",
        "System.TimeSpan" => "a duration such as 00:00:30 (hh:mm:ss) or 1.00:00:00 (one day)",
        "System.Double" => "a number",
        _ => "a valid " + type[(type.LastIndexOf('.') + 1)..],
    };

    // ConfigurationBinder: "Failed to convert configuration value at 'SmartApi:Mqtt:Port' to type 'System.Int32'."
    [GeneratedRegex("at '(?<key>[^']+)' to type '(?<type>[^']+)'")]
    private static partial Regex BindingFailure();
}
