using SmartApi.Webhooks.Events;

namespace SmartApi.Webhooks.AspNetCore;

/// <summary>
/// Set on <c>HttpContext.Features</c> by <see cref="WebhookSignatureFilter"/> once a request is verified:
/// the exact body bytes that were verified, so handlers need not read the body again.
/// </summary>
/// <param name="body">The verified body bytes.</param>
/// <param name="result">The successful verification result.</param>
public sealed class WebhookVerificationFeature(ReadOnlyMemory<byte> body, WebhookVerificationResult result)
{
    private WebhookEvent? _event;

    /// <summary>The exact body bytes whose signature was verified.</summary>
    public ReadOnlyMemory<byte> Body { get; } = body;

    /// <summary>The verification result (always valid here): timestamp and which secret matched.</summary>
    public WebhookVerificationResult Result { get; } = result;

    /// <summary>The verified body parsed as an event envelope (parsed once, then cached).</summary>
    /// <exception cref="System.Text.Json.JsonException">The body is not an event envelope.</exception>
    public WebhookEvent GetEvent() => _event ??= WebhookEvent.Parse(Body.Span);
}
