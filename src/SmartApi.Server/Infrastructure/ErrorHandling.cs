using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using SmartApi.Storage;

namespace SmartApi.Server.Infrastructure;

/// <summary>
/// Turns framework errors into problem+json: malformed JSON, wrong types and unknown fields
/// (400 <c>invalid_json</c>), unbindable parameters (400 <c>invalid_parameter</c>), oversized bodies
/// (413), storage faults that pass by themselves, such as a full disk or an unreachable database
/// (503 <c>storage_unavailable</c> with <c>Retry-After</c>), and, as a last resort, unexpected
/// exceptions (500 <c>internal_error</c>, logged).
/// </summary>
internal sealed partial class ErrorHandling(IProblemDetailsService problemDetails, IStoreAdmin store, ILogger<ErrorHandling> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, code, title, detail) = exception switch
        {
            BadHttpRequestException { InnerException: JsonException json } =>
                (400, "invalid_json", "The body is not valid JSON for this request", Describe(json)),
            BadHttpRequestException { StatusCode: 413 } =>
                (413, "payload_too_large", "Request body too large", "The request body is larger than the server accepts."),
            BadHttpRequestException { StatusCode: 415 } bad =>
                (415, "unsupported_media_type", "Unsupported media type", bad.Message),
            BadHttpRequestException bad when bad.Message.Contains("body", StringComparison.OrdinalIgnoreCase) =>
                (bad.StatusCode, "invalid_body", "The request body is missing or not readable", bad.Message),
            BadHttpRequestException bad =>
                (bad.StatusCode, "invalid_parameter", "A parameter is not valid", bad.Message),
            JsonException json =>
                (400, "invalid_json", "The body is not valid JSON for this request", Describe(json)),
            OperationCanceledException when httpContext.RequestAborted.IsCancellationRequested =>
                (499, "client_closed_request", "Client closed request", "The client went away."),
            _ when store.Faults.IsUnavailable(exception) =>
                (503, "storage_unavailable", "Storage unavailable",
                    "The server cannot store this now (disk full, or the database unreachable); nothing of the request was kept. Try again after Retry-After seconds."),
            _ => (500, "internal_error", "Internal error", "The server failed to handle the request; it was logged."),
        };
        if (status == 503)
        {
            // Without the stack: a full disk fails every write, and the cause is in the message.
            Log.StorageFault(logger, httpContext.Request.Method, httpContext.Request.Path, exception.GetBaseException().Message);
            httpContext.Response.Headers.RetryAfter = ((int)StorageFaults.RetryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        else if (status >= 500)
        {
            Log.UnhandledException(logger, httpContext.Request.Method, httpContext.Request.Path, exception);
        }
        httpContext.Response.StatusCode = status;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = status,
                Title = title,
                Detail = detail,
                Type = Problems.TypeBase + code,
                Extensions = { ["code"] = code },
            },
        });
    }

    private static string Describe(JsonException json)
    {
        // The serializer's messages name .NET types; say the same in the API's terms instead.
        var path = json.Path is { Length: > 0 } p ? p : "$";
        var message = json.Message;
        if (message.Contains("could not be mapped", StringComparison.Ordinal))
        {
            return $"Unknown field at {path}: remove it (see the OpenAPI document for the fields this request takes).";
        }
        if (message.Contains("could not be converted", StringComparison.Ordinal) || message.Contains("was missing required", StringComparison.Ordinal))
        {
            return $"The value at {path} has the wrong type or format.";
        }
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return $"{(cut > 0 ? message[..cut] : message)} (at {path})";
    }

    /// <summary>Gives the empty-bodied errors the framework writes itself (404 route, 405) a problem body and a code.</summary>
    public static void Customize(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (!problem.Extensions.ContainsKey("code"))
        {
            var code = problem.Status switch
            {
                404 => "not_found",
                405 => "method_not_allowed",
                401 => "unauthorized",
                403 => "forbidden",
                413 => "payload_too_large",
                415 => "unsupported_media_type",
                >= 500 => "internal_error",
                _ => "bad_request",
            };
            problem.Extensions["code"] = code;
            problem.Type = Problems.TypeBase + code;
        }
        problem.Extensions.Remove("traceId");
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEvents.UnhandledException, Level = LogLevel.Error, Message = "Unhandled exception for {Method} {Path}")]
        public static partial void UnhandledException(ILogger logger, string method, string path, Exception exception);

        [LoggerMessage(EventId = LogEvents.StorageFault, Level = LogLevel.Warning, Message = "Answered {Method} {Path} 503: the storage is unavailable ({Reason})")]
        public static partial void StorageFault(ILogger logger, string method, string path, string reason);
    }
}
