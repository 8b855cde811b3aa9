namespace SmartApi.Webhooks.AspNetCore;

/// <summary>Which signature headers <see cref="WebhookSignatureFilter"/> checks.</summary>
public enum WebhookSignatureScheme
{
    /// <summary><c>X-Signature: v=1;t=...;sig=...</c>, sent on every Smart API webhook request.</summary>
    XSignature = 0,

    /// <summary><c>webhook-id</c>, <c>webhook-timestamp</c> and <c>webhook-signature</c> (automations with <c>standardWebhooks: true</c>).</summary>
    StandardWebhooks,
}
