using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace SmartApi.Webhooks.AspNetCore;

/// <summary>Adds webhook signature verification to minimal API endpoints and route groups.</summary>
public static class WebhookEndpointConventionBuilderExtensions
{
    /// <summary>
    /// Verifies every request's webhook signature before the handler runs (see <see cref="WebhookSignatureFilter"/>),
    /// and buffers the request body so a handler that binds or reads the body still gets it.
    /// </summary>
    /// <param name="builder">An endpoint or route group.</param>
    /// <param name="verifier">The verifier holding the accepted secrets.</param>
    /// <param name="options">Scheme and body size limit; defaults when null.</param>
    public static TBuilder RequireWebhookSignature<TBuilder>(
        this TBuilder builder, WebhookVerifier verifier, WebhookSignatureFilterOptions? options = null)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(verifier);
        // Parameter binding runs before endpoint filters; without buffering a [FromBody] parameter
        // would consume the body and leave nothing for the filter to verify.
        builder.Finally(endpoint =>
        {
            var inner = endpoint.RequestDelegate;
            if (inner is not null)
            {
                endpoint.RequestDelegate = context =>
                {
                    context.Request.EnableBuffering();
                    return inner(context);
                };
            }
        });
        return builder.AddEndpointFilter(new WebhookSignatureFilter(verifier, options));
    }

    /// <summary>
    /// Verifies every request's webhook signature against the given secrets (<c>whsec_...</c>, several during a rotation).
    /// </summary>
    /// <param name="builder">An endpoint or route group.</param>
    /// <param name="secrets">The accepted secrets in string form.</param>
    /// <param name="options">Scheme and body size limit; defaults when null.</param>
    /// <param name="verifierOptions">Tolerance and clock; defaults when null.</param>
    public static TBuilder RequireWebhookSignature<TBuilder>(
        this TBuilder builder, IEnumerable<string> secrets, WebhookSignatureFilterOptions? options = null,
        WebhookVerifierOptions? verifierOptions = null)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireWebhookSignature(new WebhookVerifier(WebhookSecret.FromStrings(secrets), verifierOptions), options);

    /// <summary>The verified webhook (body and result), or null when the request did not pass <see cref="WebhookSignatureFilter"/>.</summary>
    public static WebhookVerificationFeature? GetWebhookVerification(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Features.Get<WebhookVerificationFeature>();
    }
}
