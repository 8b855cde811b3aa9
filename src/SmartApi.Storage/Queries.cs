namespace SmartApi.Storage;

/// <summary>A page request: items strictly after <see cref="After"/> (a cursor), at most <see cref="Limit"/>.</summary>
public readonly record struct PageRequest(string? After, int Limit);

/// <summary>A page of results; <see cref="HasMore"/> tells whether another page follows.</summary>
public sealed record PageResult<T>(IReadOnlyList<T> Items, bool HasMore);

public static class PageResult
{
    /// <summary>Makes a page from up to <c>limit + 1</c> rows: providers fetch one extra row to learn whether more follow.</summary>
    public static PageResult<T> From<T>(IEnumerable<T> rows, int limit)
    {
        var items = rows.ToList();
        var hasMore = items.Count > limit;
        if (hasMore)
        {
            items.RemoveRange(limit, items.Count - limit);
        }
        return new PageResult<T>(items, hasMore);
    }
}

public sealed record DeviceFilter(bool? Online = null, string? TagKey = null, string? TagValue = null);

/// <summary>
/// Which events a list reaches. <see cref="NewestFirst"/> lists in descending log order (the cursor is
/// then the last event seen, and the next page holds the older ones).
/// </summary>
public sealed record EventFilter(IReadOnlyList<string>? Types = null, string? DeviceId = null, bool NewestFirst = false);

/// <summary>Thrown when a cursor does not name an item the store knows (a bad or expired cursor).</summary>
public sealed class InvalidCursorException(string cursor)
    : Exception($"The cursor '{cursor}' is not valid: pass the nextCursor of a previous page.")
{
    public string Cursor { get; } = cursor;
}

/// <summary>Thrown when an insert breaks a uniqueness rule, such as a device serial already used (in any organization).</summary>
public sealed class DuplicateKeyException(string what, Exception? inner = null)
    : Exception($"A {what} with the same unique value already exists.", inner)
{
    public string What { get; } = what;
}
