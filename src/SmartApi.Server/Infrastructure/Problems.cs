using Microsoft.AspNetCore.Http.HttpResults;

namespace SmartApi.Server.Infrastructure;

/// <summary>
/// Every error answer of the API: RFC 9457 problem details with a stable machine-readable
/// <c>code</c> extension (and <c>errors</c> for validation). Codes are documented in docs/errors.md.
/// </summary>
internal static class Problems
{
    public const string TypeBase = "urn:smartapi:problem:";

    public static ProblemHttpResult Create(int status, string code, string title, string detail, IDictionary<string, string[]>? errors = null)
    {
        var extensions = new Dictionary<string, object?> { ["code"] = code };
        if (errors is not null)
        {
            extensions["errors"] = errors;
        }
        return TypedResults.Problem(detail, statusCode: status, title: title, type: TypeBase + code, extensions: extensions);
    }

    public static ProblemHttpResult NotFound(string resource, string id) =>
        Create(StatusCodes.Status404NotFound, "not_found", "Not found", $"No {resource} with id '{id}' exists.");

    public static ProblemHttpResult Validation(IDictionary<string, string[]> errors) =>
        Create(StatusCodes.Status400BadRequest, "validation_failed", "The request is not valid",
            "One or more fields are not valid; see errors.", errors);

    public static ProblemHttpResult Validation(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] });

    public static ProblemHttpResult InvalidCursor(string cursor) =>
        Create(StatusCodes.Status400BadRequest, "invalid_cursor", "Invalid cursor",
            $"The cursor '{cursor}' is not valid: pass the nextCursor of a previous page.");

    public static ProblemHttpResult Conflict(string code, string detail) =>
        Create(StatusCodes.Status409Conflict, code, "Conflict", detail);

    /// <summary>403: the organization holds as many of a resource as its quota allows.</summary>
    public static ProblemHttpResult QuotaExceeded(string quota, int limit, long count) =>
        TypedResults.Problem($"The organization's {quota} quota is {limit} and it has {count}: delete some, or ask an operator to raise " +
            $"limits.max{char.ToUpperInvariant(quota[0])}{quota[1..]} of the organization.",
            statusCode: StatusCodes.Status403Forbidden, title: "Quota exceeded", type: TypeBase + "quota_exceeded",
            extensions: new Dictionary<string, object?> { ["code"] = "quota_exceeded", ["quota"] = quota, ["limit"] = limit, ["count"] = count });

    public static ProblemHttpResult Forbidden(string detail) =>
        Create(StatusCodes.Status403Forbidden, "forbidden", "Forbidden", detail);
}

/// <summary>Collects field errors, then answers one 400 with all of them.</summary>
internal sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }
        list.Add(message);
    }

    public ProblemHttpResult ToProblem() => Problems.Validation(_errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
}
