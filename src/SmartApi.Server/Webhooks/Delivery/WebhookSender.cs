using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Options;
using SmartApi.Server.Events;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;
using SmartApi.Webhooks;

namespace SmartApi.Server.Webhooks.Delivery;

/// <summary>What one attempt came to.</summary>
/// <param name="RequestHeaders">The headers sent, as <see cref="RequestHeaderLog"/> wrote them; null when nothing was sent.</param>
internal sealed record AttemptResult(
    DateTimeOffset StartedAt, int? StatusCode, int DurationMs, string? Error, string? ResponseBody, TimeSpan? RetryAfter, string? RequestHeaders = null)
{
    public bool Succeeded => StatusCode is >= 200 and < 300;
}

/// <summary>
/// Sends one delivery: the event envelope as the body, signed with every active secret of the
/// automation, through the SSRF-guarded client with redirects off and a per-attempt timeout.
/// </summary>
internal sealed class WebhookSender(
    IHttpClientFactory clients, SigningSecrets secrets, CustomHeaders customHeaders, TimeProvider time, IOptions<WebhookOptions> options)
{
    public const string ClientName = "webhooks";
    public const int MaxResponseBodyBytes = 1024;
    public const int MaxResponseDrainBytes = 16 * 1024;
    public static readonly string UserAgent = "SmartApi-Webhooks/" + typeof(WebhookSender).Assembly.GetName().Version?.ToString(3);
    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };
    private static readonly string JsonText = Json.ToString();

    public async Task<AttemptResult> SendAsync(ClaimedDelivery claimed, CancellationToken cancellationToken)
    {
        var (delivery, webhook, stored) = (claimed.Delivery, claimed.Webhook, claimed.Event);
        var startedAt = time.GetUtcNow();
        var started = time.GetTimestamp();
        var body = EventEnvelope.Serialize(stored);
        var signer = await secrets.GetSignerAsync(delivery.AutomationId, cancellationToken);
        if (signer is null)
        {
            return new AttemptResult(startedAt, null, 0, "Not sent: the automation has no signing secret.", null, null);
        }
        var timestamp = startedAt.ToUnixTimeSeconds();

        KeyValuePair<string, string>[] custom;
        try
        {
            // The only place custom header values are decrypted: reads show them masked.
            custom = customHeaders.ForSending(webhook);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return new AttemptResult(startedAt, null, 0,
                "Not sent: a custom header cannot be decrypted (was SmartApi:Webhooks:EncryptionKey changed?). Save the headers again.", null, null);
        }

        using var activity = Tracing.StartDeliveryAttempt(claimed);
        using var request = new HttpRequestMessage(HttpMethod.Post, webhook.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = Json;
        // Recorded while set, in the order sent; no await until Finish (the log is per thread).
        var sent = RequestHeaderLog.Start();
        sent.Add("Content-Type", JsonText);
        var headers = request.Headers;
        foreach (var (name, value) in custom)
        {
            if (Tracing.IsTraceContextHeader(name))
            {
                // Saved before validation refused them: the trace context is only ever the server's.
                continue;
            }
            headers.TryAddWithoutValidation(name, value);
            sent.Add(name, RequestHeaderLog.Masked);
        }
        Add(WebhookHeaders.Signature, signer.CreateSignatureHeader(body, timestamp));
        Add(WebhookHeaders.EventId, stored.Id);
        Add(WebhookHeaders.EventType, stored.Type);
        Add(WebhookHeaders.DeliveryId, delivery.Id);
        Add(WebhookHeaders.DeliveryAttempt, (delivery.Attempts + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Add("User-Agent", UserAgent);
        if (webhook.StandardWebhooks)
        {
            var standard = signer.CreateStandardWebhookHeaders(stored.Id, body, timestamp);
            Add(WebhookHeaders.StandardWebhookId, standard.Id);
            Add(WebhookHeaders.StandardWebhookTimestamp, standard.Timestamp);
            Add(WebhookHeaders.StandardWebhookSignature, standard.Signature);
        }
        if (activity is not null)
        {
            // The attempt's own context: the receiver's trace continues this one; the signature does not cover it.
            Add(Tracing.TraceParentHeader, activity.Id!);
            if (activity.TraceStateString is { } state)
            {
                Add(Tracing.TraceStateHeader, state);
            }
        }
        var requestHeaders = sent.Finish();

        using var timeout = new CancellationTokenSource(options.Value.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            using var response = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            var responseBody = await ReadStartAsync(response, linked.Token);
            var retryAfter = response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable
                ? RetryPolicy.ParseRetryAfter(response.Headers.RetryAfter, time.GetUtcNow())
                : null;
            var status = (int)response.StatusCode;
            var error = status is >= 200 and < 300 ? null : $"The receiver answered {status}.";
            Tracing.Attempted(activity, status, error);
            return new AttemptResult(startedAt, status, Elapsed(started), error, responseBody, retryAfter, requestHeaders);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            activity?.SetStatus(ActivityStatusCode.Error, "timeout");
            return new AttemptResult(startedAt, null, Elapsed(started), $"Timed out after {options.Value.Timeout.TotalSeconds:0.###} s.", null, null, requestHeaders);
        }
        catch (HttpRequestException ex)
        {
            var reason = ex.InnerException switch
            {
                BlockedAddressException blocked => "Blocked: " + blocked.Message,
                HostNotResolvedException unresolved => unresolved.Message,
                _ => ex.Message,
            };
            activity?.SetStatus(ActivityStatusCode.Error, reason);
            return new AttemptResult(startedAt, null, Elapsed(started), reason, null, null, requestHeaders);
        }

        void Add(string name, string value)
        {
            headers.TryAddWithoutValidation(name, value);
            sent.Add(name, value);
        }
    }

    private int Elapsed(long started) => (int)time.GetElapsedTime(started).TotalMilliseconds;

    /// <summary>
    /// The first <see cref="MaxResponseBodyBytes"/> of the body for the delivery log. Nothing past
    /// them is read here, so a huge or endless body costs one pooled 1 KiB buffer; disposing the
    /// response then drains a little (the handler's MaxResponseDrainSize) or closes the connection.
    /// </summary>
    internal static async Task<string?> ReadStartAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(MaxResponseBodyBytes);
        try
        {
            var total = 0;
            int read;
            while (total < MaxResponseBodyBytes && (read = await stream.ReadAsync(buffer.AsMemory(total, MaxResponseBodyBytes - total), cancellationToken)) > 0)
            {
                total += read;
            }
            return total == 0 ? null : Encoding.UTF8.GetString(buffer, 0, total);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
