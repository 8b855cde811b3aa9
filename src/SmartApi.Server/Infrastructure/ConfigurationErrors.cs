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

    /// <summary>
    /// Binds and validates every section now, before the host starts (whose failure would be logged
    /// with a stack trace), and throws one exception with the failures of all of them.
    /// </summary>
    public static void ValidateNow(IServiceProvider services)
    {
        var failures = new List<(int Rank, IEnumerable<string> Lines)>();
        foreach (var section in services.GetServices<ValidatedSection>().OrderBy(s => Rank(BindOrder, s.OptionsType)))
        {
            try
            {
                _ = section.Resolve(services);
            }
            catch (OptionsValidationException ex)
            {
                failures.Add((Rank(LineOrder, section.OptionsType), ex.Failures));
            }
        }
        if (failures.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(SmartApiOptions), [.. failures.OrderBy(f => f.Rank).SelectMany(f => f.Lines)]);
        }
    }

    // The sections were once one options object. To keep what a mistake prints exactly as it was,
    // they are bound in that object's property order (a value that cannot be read at all stops
    // there, so the first one in that order is the one reported), and their lines are printed in
    // the order its validator checked them. A section not listed here follows, in registration order.
    private static readonly Type[] BindOrder =
    [
        typeof(SmartApiOptions), typeof(ApiKeys.ApiKeyOptions), typeof(StorageOptions), typeof(Mqtt.MqttOptions), typeof(Webhooks.WebhookOptions),
        typeof(HttpOptions), typeof(Devices.CommandOptions), typeof(RetentionOptions), typeof(Events.EventOptions), typeof(Organizations.LimitOptions),
    ];

    private static readonly Type[] LineOrder =
    [
        typeof(SmartApiOptions), typeof(StorageOptions), typeof(ApiKeys.ApiKeyOptions), typeof(Mqtt.MqttOptions), typeof(Webhooks.WebhookOptions),
        typeof(HttpOptions), typeof(RetentionOptions), typeof(Events.EventOptions), typeof(Devices.CommandOptions), typeof(Organizations.LimitOptions),
    ];

    private static int Rank(Type[] order, Type type) => Array.IndexOf(order, type) is >= 0 and var index ? index : order.Length;

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
