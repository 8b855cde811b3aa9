using System.Net;

namespace SmartApi.Client;

/// <summary>
/// An error answer of the Smart API (an RFC 9457 problem): <see cref="StatusCode"/>, the stable
/// machine-readable <see cref="Code"/> to branch on (see docs/errors.md), and for validation
/// errors the messages of each field in <see cref="Errors"/>.
/// </summary>
public sealed class SmartApiException : Exception
{
    /// <summary>Creates the exception of an error answer.</summary>
    public SmartApiException(HttpStatusCode statusCode, string code, string? title, string? detail,
        IReadOnlyDictionary<string, string[]>? errors = null, Exception? innerException = null)
        : base(FormatMessage(statusCode, code, title, detail), innerException)
    {
        StatusCode = statusCode;
        Code = code;
        Title = title;
        Detail = detail;
        Errors = errors ?? new Dictionary<string, string[]>();
    }

    /// <summary>Creates an exception with a message only (code <c>unknown</c>, status 0).</summary>
    public SmartApiException(string message) : base(message)
    {
        Code = "unknown";
        Errors = new Dictionary<string, string[]>();
    }

    /// <summary>Creates an exception with a message and its cause (code <c>unknown</c>, status 0).</summary>
    public SmartApiException(string message, Exception innerException) : base(message, innerException)
    {
        Code = "unknown";
        Errors = new Dictionary<string, string[]>();
    }

    /// <summary>Creates an exception without details.</summary>
    public SmartApiException() : this("The Smart API answered with an error.")
    {
    }

    /// <summary>The HTTP status of the answer.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>The stable error code, such as <c>validation_failed</c>, <c>not_found</c> or <c>insufficient_scope</c>.</summary>
    public string Code { get; }

    /// <summary>A short summary for people.</summary>
    public string? Title { get; }

    /// <summary>What went wrong with this request, for people.</summary>
    public string? Detail { get; }

    /// <summary>Validation errors: field name (dotted for nested fields), then its messages. Empty for other errors.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; }

    private static string FormatMessage(HttpStatusCode status, string code, string? title, string? detail) =>
        $"{(int)status} {code}: {detail ?? title ?? "no detail"}";
}
