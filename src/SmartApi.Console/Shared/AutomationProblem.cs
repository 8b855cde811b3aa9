using SmartApi.Client;

namespace SmartApi.WebConsole.Shared;

/// <summary>
/// The API's problem for the automation form. Its <c>errors</c> are keyed by JSON path
/// (<c>trigger.events</c>, <c>actions[1].url</c>): each field asks for its own path, and what no
/// field of the form took shows at the top.
/// </summary>
public sealed class AutomationProblem(SmartApiException problem)
{
    public SmartApiException Exception => problem;

    /// <summary>
    /// The messages at <paramref name="path"/>, and with <paramref name="items"/> those of its items
    /// (<c>trigger.events[0]</c> for <c>trigger.events</c>).
    /// </summary>
    public string? At(string path, bool items = false)
    {
        var messages = problem.Errors
            .Where(e => string.Equals(e.Key, path, StringComparison.OrdinalIgnoreCase)
                || (items && e.Key.StartsWith(path + "[", StringComparison.OrdinalIgnoreCase)))
            .SelectMany(e => e.Value)
            .ToList();
        return messages.Count == 0 ? null : string.Join(" ", messages);
    }

    /// <summary>The messages no field takes, given every path a field of the form shows (<c>x[]</c>: <c>x</c>'s items too).</summary>
    public IReadOnlyList<string> Unplaced(IEnumerable<string> fieldPaths)
    {
        var fields = fieldPaths.ToHashSet(StringComparer.OrdinalIgnoreCase);
        var left = problem.Errors
            .Where(e => !fields.Contains(e.Key) && !fields.Any(f => f.EndsWith("[]", StringComparison.Ordinal) && e.Key.StartsWith(f[..^1], StringComparison.OrdinalIgnoreCase)))
            .SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}"))
            .ToList();
        if (problem.Errors.Count == 0)
        {
            left.Add(problem.Detail ?? problem.Title ?? problem.Message);
        }
        return left;
    }
}
