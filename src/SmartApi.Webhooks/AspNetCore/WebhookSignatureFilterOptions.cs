namespace SmartApi.Webhooks.AspNetCore;

/// <summary>Options of <see cref="WebhookSignatureFilter"/>.</summary>
public sealed class WebhookSignatureFilterOptions
{
    /// <summary>The default <see cref="MaxBodySize"/>: 1 MiB, far above any Smart API event.</summary>
    public const int DefaultMaxBodySize = 1024 * 1024;

    /// <summary>Which headers to verify; <see cref="WebhookSignatureScheme.XSignature"/> by default.</summary>
    public WebhookSignatureScheme Scheme { get; set; } = WebhookSignatureScheme.XSignature;

    /// <summary>Bodies larger than this are refused with 413 before any hashing.</summary>
    public int MaxBodySize { get; set; } = DefaultMaxBodySize;
}
