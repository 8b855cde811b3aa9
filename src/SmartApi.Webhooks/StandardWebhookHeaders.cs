namespace SmartApi.Webhooks;

/// <summary>
/// The three Standard Webhooks headers of one request
/// (<see href="https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md"/>).
/// </summary>
/// <param name="Id">Value of <c>webhook-id</c>: the message (event) id.</param>
/// <param name="Timestamp">Value of <c>webhook-timestamp</c>: Unix seconds.</param>
/// <param name="Signature">Value of <c>webhook-signature</c>: space-separated <c>v1,&lt;base64&gt;</c>, one per secret.</param>
public sealed record StandardWebhookHeaders(string Id, string Timestamp, string Signature);
