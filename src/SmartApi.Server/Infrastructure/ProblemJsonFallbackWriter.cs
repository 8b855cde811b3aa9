using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace SmartApi.Server.Infrastructure;

/// <summary>
/// Writes problem+json when the framework's writer declines because of the request's Accept header
/// (an SSE client sends <c>Accept: text/event-stream</c>). Without it a 401 or 403 to such a client
/// became an empty 500. The API speaks JSON only, and HTTP allows an error in a type not asked for.
/// </summary>
internal sealed class ProblemJsonFallbackWriter(IOptions<ProblemDetailsOptions> problemOptions, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> jsonOptions) : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => true;

    public async ValueTask WriteAsync(ProblemDetailsContext context)
    {
        problemOptions.Value.CustomizeProblemDetails?.Invoke(context);
        var response = context.HttpContext.Response;
        var typeInfo = jsonOptions.Value.SerializerOptions.GetTypeInfo(typeof(ProblemDetails));
        await response.WriteAsJsonAsync(context.ProblemDetails, typeInfo, "application/problem+json", context.HttpContext.RequestAborted);
    }
}
