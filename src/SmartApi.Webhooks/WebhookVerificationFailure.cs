namespace SmartApi.Webhooks;

/// <summary>Why a webhook request was not accepted.</summary>
public enum WebhookVerificationFailure
{
    /// <summary>The request was accepted.</summary>
    None = 0,

    /// <summary>The signature header (or, for Standard Webhooks, one of the three headers) is missing or empty.</summary>
    MissingHeader,

    /// <summary>The header could not be parsed: no version, no timestamp, no signature, or a part that is not valid.</summary>
    MalformedHeader,

    /// <summary>The header is signed with a scheme version this library does not know.</summary>
    UnsupportedVersion,

    /// <summary>The timestamp is older than the tolerance allows (a replay or a very late request).</summary>
    TimestampTooOld,

    /// <summary>The timestamp is further in the future than the tolerance allows (a skewed sender clock).</summary>
    TimestampInFuture,

    /// <summary>No signature matches any of the secrets: wrong secret, or the body was changed.</summary>
    NoMatchingSignature,
}
