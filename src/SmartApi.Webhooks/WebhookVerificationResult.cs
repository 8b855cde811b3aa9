namespace SmartApi.Webhooks;

/// <summary>The outcome of verifying a webhook request; failures are values, never exceptions.</summary>
public readonly record struct WebhookVerificationResult
{
    private WebhookVerificationResult(WebhookVerificationFailure failure, long timestamp, int matchedSecretIndex)
    {
        Failure = failure;
        Timestamp = timestamp;
        MatchedSecretIndex = matchedSecretIndex;
    }

    /// <summary>Why the request was refused, or <see cref="WebhookVerificationFailure.None"/> when it was accepted.</summary>
    public WebhookVerificationFailure Failure { get; }

    /// <summary>Whether the request was accepted.</summary>
    public bool IsValid => Failure == WebhookVerificationFailure.None;

    /// <summary>The signed timestamp in Unix seconds, or 0 when the header did not get that far.</summary>
    public long Timestamp { get; }

    /// <summary>
    /// The index (in the verifier's list) of the secret that matched, or -1. Lets a receiver see when
    /// senders have stopped using an old secret after a rotation.
    /// </summary>
    public int MatchedSecretIndex { get; }

    /// <summary>A short English sentence describing <see cref="Failure"/>, for logs and problem details.</summary>
    public string Description => Describe(Failure);

    /// <summary>An accepted request.</summary>
    public static WebhookVerificationResult Success(long timestamp, int matchedSecretIndex) =>
        new(WebhookVerificationFailure.None, timestamp, matchedSecretIndex);

    /// <summary>A refused request.</summary>
    public static WebhookVerificationResult Fail(WebhookVerificationFailure failure, long timestamp = 0)
    {
        if (failure == WebhookVerificationFailure.None)
        {
            throw new ArgumentOutOfRangeException(nameof(failure), "A failure needs a reason other than None.");
        }
        return new(failure, timestamp, -1);
    }

    /// <summary>A short English sentence describing a failure reason.</summary>
    public static string Describe(WebhookVerificationFailure failure) => failure switch
    {
        WebhookVerificationFailure.None => "The signature is valid.",
        WebhookVerificationFailure.MissingHeader => "The webhook signature header is missing.",
        WebhookVerificationFailure.MalformedHeader => "The webhook signature header is malformed.",
        WebhookVerificationFailure.UnsupportedVersion => "The webhook signature uses an unsupported version.",
        WebhookVerificationFailure.TimestampTooOld => "The webhook timestamp is older than the tolerance allows.",
        WebhookVerificationFailure.TimestampInFuture => "The webhook timestamp is too far in the future.",
        WebhookVerificationFailure.NoMatchingSignature => "No webhook signature matches the configured secrets.",
        _ => "The webhook signature could not be verified.",
    };
}
