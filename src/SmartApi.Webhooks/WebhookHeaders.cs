namespace SmartApi.Webhooks;

/// <summary>Names of the headers on Smart API webhook requests (SPEC: Webhook requests).</summary>
public static class WebhookHeaders
{
    /// <summary><c>X-Signature: v=1;t=&lt;unix seconds&gt;;sig=&lt;hex&gt;[;sig=&lt;hex&gt;...]</c>.</summary>
    public const string Signature = "X-Signature";

    /// <summary>The event id; receivers dedupe on it (delivery is at-least-once).</summary>
    public const string EventId = "X-Event-Id";

    /// <summary>The event type, e.g. <c>device.switched</c>.</summary>
    public const string EventType = "X-Event-Type";

    /// <summary>The delivery id (<c>dlv_...</c>).</summary>
    public const string DeliveryId = "X-Delivery-Id";

    /// <summary>The attempt number of this delivery, starting at 1.</summary>
    public const string DeliveryAttempt = "X-Delivery-Attempt";

    /// <summary>Standard Webhooks message id (the event id).</summary>
    public const string StandardWebhookId = "webhook-id";

    /// <summary>Standard Webhooks timestamp in Unix seconds.</summary>
    public const string StandardWebhookTimestamp = "webhook-timestamp";

    /// <summary>Standard Webhooks signatures: space-separated <c>v1,&lt;base64&gt;</c>.</summary>
    public const string StandardWebhookSignature = "webhook-signature";
}
