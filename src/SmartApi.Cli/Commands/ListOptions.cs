using System.CommandLine;

namespace SmartApi.Cli.Commands;

/// <summary>How many items a list command prints.</summary>
internal static class ListOptions
{
    public static Option<int> Limit() => new("--limit")
    {
        Description = "Print at most this many items (default 50); more pages are fetched as needed.",
        DefaultValueFactory = _ => 50,
    };

    public static Option<bool> All() => new("--all") { Description = "Print every item, however many." };

    public static int? Take(CliContext context, Option<int> limit, Option<bool> all) =>
        context.Parse.GetValue(all) ? null : Math.Max(1, context.Parse.GetValue(limit));

    public static Command With(this Command command, params Option[] options)
    {
        foreach (var option in options)
        {
            command.Options.Add(option);
        }
        return command;
    }

    public static Command With(this Command command, Argument argument)
    {
        command.Arguments.Add(argument);
        return command;
    }

    public static Argument<string> Id(string what) => new("id") { Description = $"The {what} id." };

    public static IReadOnlyList<string>? SplitList(string? text) =>
        string.IsNullOrWhiteSpace(text) ? null : text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
