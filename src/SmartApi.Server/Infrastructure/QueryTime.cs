using SmartApi.Contracts;

namespace SmartApi.Server.Infrastructure;

/// <summary>Times in query strings: RFC 3339 with an offset, parsed as the JSON contract parses them.</summary>
internal static class QueryTime
{
    /// <summary>The time, or null when absent; a malformed value adds a validation error for <paramref name="field"/>.</summary>
    public static DateTimeOffset? Parse(string? text, string field, ValidationErrors errors)
    {
        if (text is null)
        {
            return null;
        }
        if (UtcTimestampConverter.TryParse(text, out var value))
        {
            return value;
        }
        errors.Add(field, $"{field} must be an RFC 3339 timestamp with an offset, such as 2026-11-25T17:46:08Z.");
        return null;
    }
}
