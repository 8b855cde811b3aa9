using System.Buffers;
using Microsoft.AspNetCore.Http;

namespace SmartApi.Webhooks.AspNetCore;

/// <summary>
/// An endpoint filter that verifies the webhook signature before the handler runs. Refused requests get
/// 401 <c>application/problem+json</c> with <c>code</c> <c>webhook_signature_invalid</c> and the failure
/// <c>reason</c>; accepted ones get a <see cref="WebhookVerificationFeature"/> with the verified body,
/// and the request body is rewound so the handler can read it again.
/// </summary>
/// <remarks>
/// Prefer <see cref="WebhookEndpointConventionBuilderExtensions.RequireWebhookSignature{TBuilder}(TBuilder, WebhookVerifier, WebhookSignatureFilterOptions?)"/>:
/// it also turns on request buffering before parameter binding, which a filter alone cannot do.
/// </remarks>
/// <param name="verifier">The verifier holding the accepted secrets.</param>
/// <param name="options">Scheme and body size limit; defaults when null.</param>
public sealed class WebhookSignatureFilter(WebhookVerifier verifier, WebhookSignatureFilterOptions? options = null) : IEndpointFilter
{
    /// <summary>The <c>code</c> extension of the 401 problem.</summary>
    public const string ProblemCode = "webhook_signature_invalid";

    private readonly WebhookVerifier _verifier = verifier ?? throw new ArgumentNullException(nameof(verifier));
    private readonly WebhookSignatureFilterOptions _options = options ?? new WebhookSignatureFilterOptions();

    /// <inheritdoc />
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        var body = await ReadBodyAsync(http.Request, _options.MaxBodySize, http.RequestAborted);
        if (body is null)
        {
            return Results.Problem(
                statusCode: StatusCodes.Status413PayloadTooLarge,
                title: "Webhook body too large",
                detail: $"The body is larger than {_options.MaxBodySize} bytes.",
                extensions: new Dictionary<string, object?> { ["code"] = "webhook_body_too_large" });
        }

        var headers = http.Request.Headers;
        var result = _options.Scheme == WebhookSignatureScheme.StandardWebhooks
            ? _verifier.VerifyStandardWebhooks(
                headers[WebhookHeaders.StandardWebhookId].ToString(),
                headers[WebhookHeaders.StandardWebhookTimestamp].ToString(),
                headers[WebhookHeaders.StandardWebhookSignature].ToString(),
                body.Value.Span)
            : _verifier.Verify(headers[WebhookHeaders.Signature].ToString(), body.Value.Span);
        if (!result.IsValid)
        {
            return Results.Problem(
                statusCode: StatusCodes.Status401Unauthorized,
                title: "Invalid webhook signature",
                detail: result.Description,
                extensions: new Dictionary<string, object?> { ["code"] = ProblemCode, ["reason"] = result.Failure.ToString() });
        }

        http.Features.Set(new WebhookVerificationFeature(body.Value, result));
        return await next(context);
    }

    /// <summary>Reads the whole body (from the start, if it was buffered); null when it is over the limit.</summary>
    private static async Task<ReadOnlyMemory<byte>?> ReadBodyAsync(HttpRequest request, int maxBodySize, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBodySize)
        {
            return null;
        }
        request.EnableBuffering();
        var stream = request.Body;
        if (stream.CanSeek)
        {
            stream.Position = 0;
        }

        var writer = new ArrayBufferWriter<byte>((int)Math.Clamp(request.ContentLength ?? 4096, 1, maxBodySize));
        while (true)
        {
            var memory = writer.GetMemory(4096);
            var read = await stream.ReadAsync(memory, cancellationToken);
            if (read == 0)
            {
                break;
            }
            writer.Advance(read);
            if (writer.WrittenCount > maxBodySize)
            {
                return null;
            }
        }
        if (stream.CanSeek)
        {
            stream.Position = 0;
        }
        return writer.WrittenMemory;
    }
}
