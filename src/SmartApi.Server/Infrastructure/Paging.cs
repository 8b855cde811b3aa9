using Microsoft.AspNetCore.Http.HttpResults;
using SmartApi.Contracts;
using SmartApi.Storage;

namespace SmartApi.Server.Infrastructure;

/// <summary>The list conventions: <c>?limit=</c> 1-500 (default 50) and <c>?after=</c>, answering <see cref="Page{T}"/>.</summary>
internal static class Paging
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    public static bool TryCreate(int? limit, string? after, string cursorPrefix, out PageRequest page, out ProblemHttpResult? problem)
    {
        page = default;
        problem = null;
        if (limit is < 1 or > MaxLimit)
        {
            problem = Problems.Validation("limit", $"limit must be between 1 and {MaxLimit}.");
            return false;
        }
        if (after is not null && !IdGenerator.IsWellFormed(after, cursorPrefix))
        {
            problem = Problems.InvalidCursor(after);
            return false;
        }
        page = new PageRequest(after, limit ?? DefaultLimit);
        return true;
    }

    public static Page<TOut> ToPage<TIn, TOut>(PageResult<TIn> result, Func<TIn, TOut> map, Func<TIn, string> cursor) =>
        new(result.Items.Select(map).ToList(), result.HasMore, result.HasMore ? cursor(result.Items[^1]) : null);
}
