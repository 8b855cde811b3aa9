namespace SmartApi.Webhooks;

/// <summary>
/// Verifies signed webhook requests against one or more secrets. Thread-safe and allocation-free:
/// create one at start-up and share it.
/// </summary>
/// <remarks>
/// A request is accepted when its timestamp is within <see cref="WebhookVerifierOptions.Tolerance"/>
/// of now (both directions) and any signature matches any secret. Signatures are compared with
/// <see cref="System.Security.Cryptography.CryptographicOperations.FixedTimeEquals"/>.
/// </remarks>
public sealed class WebhookVerifier
{
    /// <summary>The most signatures one header may carry; more is refused as malformed (a cheap DoS guard).</summary>
    public const int MaxSignatures = 8;

    private const int MacLength = SignedContent.MacLength;

    private readonly WebhookSecret[] _secrets;
    private readonly KeyedHmac[] _signatureKeys;
    private readonly KeyedHmac[] _standardKeys;
    private readonly int[] _standardKeyIndexes;
    private readonly TimeProvider _timeProvider;
    private readonly long _toleranceSeconds;

    /// <summary>Creates a verifier for one secret.</summary>
    public WebhookVerifier(WebhookSecret secret, WebhookVerifierOptions? options = null)
        : this([secret], options)
    {
    }

    /// <summary>Creates a verifier that accepts a signature made with any of <paramref name="secrets"/>.</summary>
    /// <param name="secrets">The accepted secrets, at least one (the old and the new one during a rotation).</param>
    /// <param name="options">Tolerance and clock; defaults when null.</param>
    public WebhookVerifier(IEnumerable<WebhookSecret> secrets, WebhookVerifierOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        options ??= new WebhookVerifierOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Tolerance, TimeSpan.Zero, nameof(options));
        ArgumentNullException.ThrowIfNull(options.TimeProvider, nameof(options));
        _secrets = [.. secrets];
        if (_secrets.Length == 0)
        {
            throw new ArgumentException("At least one secret is needed.", nameof(secrets));
        }
        foreach (var secret in _secrets)
        {
            ArgumentNullException.ThrowIfNull(secret, nameof(secrets));
        }
        _signatureKeys = [.. _secrets.Select(s => s.SignatureHmac)];
        _standardKeyIndexes = [.. Enumerable.Range(0, _secrets.Length).Where(i => _secrets[i].HasStandardWebhooksKey)];
        _standardKeys = [.. _standardKeyIndexes.Select(i => _secrets[i].StandardWebhooksHmac!)];
        _timeProvider = options.TimeProvider;
        _toleranceSeconds = (long)options.Tolerance.TotalSeconds;
    }

    /// <summary>The accepted secrets; <see cref="WebhookVerificationResult.MatchedSecretIndex"/> indexes this list.</summary>
    public IReadOnlyList<WebhookSecret> Secrets => _secrets;

    /// <summary>Verifies an <c>X-Signature</c> header against the raw request body.</summary>
    /// <param name="signatureHeader">The header value; null or empty answers <see cref="WebhookVerificationFailure.MissingHeader"/>.</param>
    /// <param name="body">The exact bytes of the request body, as received.</param>
    public WebhookVerificationResult Verify(string? signatureHeader, ReadOnlySpan<byte> body) =>
        Verify(signatureHeader.AsSpan(), body);

    /// <summary>Verifies an <c>X-Signature</c> header against the raw request body, without allocating.</summary>
    /// <param name="signatureHeader">The header value; empty answers <see cref="WebhookVerificationFailure.MissingHeader"/>.</param>
    /// <param name="body">The exact bytes of the request body, as received.</param>
    public WebhookVerificationResult Verify(ReadOnlySpan<char> signatureHeader, ReadOnlySpan<byte> body)
    {
        if (signatureHeader.IsWhiteSpace())
        {
            return WebhookVerificationResult.Fail(WebhookVerificationFailure.MissingHeader);
        }

        Span<byte> signatures = stackalloc byte[MaxSignatures * MacLength];
        var count = 0;
        var malformed = false;
        ReadOnlySpan<char> version = default, timestamp = default;
        bool hasVersion = false, hasTimestamp = false;

        // v=1;t=<digits>;sig=<hex>[;sig=<hex>...], parsed in place. Unknown keys are skipped so the
        // sender can add parts later; problems with sig are judged only once the version is known.
        var rest = signatureHeader;
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf(';');
            var part = (end < 0 ? rest : rest[..end]).Trim();
            rest = end < 0 ? default : rest[(end + 1)..];
            if (part.IsEmpty)
            {
                continue;
            }
            var equals = part.IndexOf('=');
            if (equals <= 0)
            {
                malformed = true;
                continue;
            }
            var name = part[..equals].Trim();
            var value = part[(equals + 1)..].Trim();
            if (name.SequenceEqual("v"))
            {
                malformed |= hasVersion;
                hasVersion = true;
                version = value;
            }
            else if (name.SequenceEqual("t"))
            {
                malformed |= hasTimestamp;
                hasTimestamp = true;
                timestamp = value;
            }
            else if (name.SequenceEqual("sig"))
            {
                if (count == MaxSignatures || !TryDecodeHex(value, signatures.Slice(count * MacLength, MacLength)))
                {
                    malformed = true;
                    continue;
                }
                count++;
            }
        }

        if (!hasVersion)
        {
            return WebhookVerificationResult.Fail(WebhookVerificationFailure.MalformedHeader);
        }
        if (!version.SequenceEqual("1"))
        {
            return WebhookVerificationResult.Fail(WebhookVerificationFailure.UnsupportedVersion);
        }
        if (malformed || count == 0 || !SignedContent.IsTimestamp(timestamp, out var seconds))
        {
            return WebhookVerificationResult.Fail(WebhookVerificationFailure.MalformedHeader);
        }
        return CheckTimeAndSignatures(_signatureKeys, indexes: null, id: default, timestamp, seconds, body, signatures[..(count * MacLength)]);
    }

    /// <summary>Verifies the Standard Webhooks headers against the raw request body.</summary>
    /// <param name="webhookId">Value of <c>webhook-id</c>.</param>
    /// <param name="webhookTimestamp">Value of <c>webhook-timestamp</c>.</param>
    /// <param name="webhookSignature">Value of <c>webhook-signature</c>.</param>
    /// <param name="body">The exact bytes of the request body, as received.</param>
    public WebhookVerificationResult VerifyStandardWebhooks(
        string? webhookId, string? webhookTimestamp, string? webhookSignature, ReadOnlySpan<byte> body) =>
        VerifyStandardWebhooks(webhookId.AsSpan(), webhookTimestamp.AsSpan(), webhookSignature.AsSpan(), body);

    /// <summary>
    /// Verifies the Standard Webhooks headers against the raw request body, without allocating.
    /// Only secrets of the form <c>whsec_</c> + base64 take part; <c>v1</c> is the only version checked.
    /// </summary>
    /// <param name="webhookId">Value of <c>webhook-id</c>.</param>
    /// <param name="webhookTimestamp">Value of <c>webhook-timestamp</c>.</param>
    /// <param name="webhookSignature">Value of <c>webhook-signature</c>: space-separated <c>v1,&lt;base64&gt;</c>.</param>
    /// <param name="body">The exact bytes of the request body, as received.</param>
    public WebhookVerificationResult VerifyStandardWebhooks(
        ReadOnlySpan<char> webhookId, ReadOnlySpan<char> webhookTimestamp, ReadOnlySpan<char> webhookSignature, ReadOnlySpan<byte> body)
    {
        webhookId = webhookId.Trim();
        webhookTimestamp = webhookTimestamp.Trim();
        if (webhookId.IsEmpty || webhookTimestamp.IsEmpty || webhookSignature.IsWhiteSpace())
        {
            return WebhookVerificationResult.Fail(WebhookVerificationFailure.MissingHeader);
        }
        if (!SignedContent.IsTimestamp(webhookTimestamp, out var seconds))
        {
            return WebhookVerificationResult.Fail(WebhookVerificationFailure.MalformedHeader);
        }

        Span<byte> signatures = stackalloc byte[MaxSignatures * MacLength];
        Span<byte> decoded = stackalloc byte[MacLength + 3];
        var count = 0;
        var versions = 0;
        var rest = webhookSignature;
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf(' ');
            var token = end < 0 ? rest : rest[..end];
            rest = end < 0 ? default : rest[(end + 1)..];
            if (token.IsEmpty)
            {
                continue;
            }
            var comma = token.IndexOf(',');
            if (comma <= 0)
            {
                return WebhookVerificationResult.Fail(WebhookVerificationFailure.MalformedHeader, seconds);
            }
            versions++;
            // Other versions (v1a is asymmetric) are skipped, as the spec asks; a v1 that is not a
            // 32-byte MAC can never match, so it is skipped too.
            if (!token[..comma].SequenceEqual("v1")
                || !Convert.TryFromBase64Chars(token[(comma + 1)..], decoded, out var written)
                || written != MacLength)
            {
                continue;
            }
            if (count == MaxSignatures)
            {
                return WebhookVerificationResult.Fail(WebhookVerificationFailure.MalformedHeader, seconds);
            }
            decoded[..MacLength].CopyTo(signatures.Slice(count * MacLength, MacLength));
            count++;
        }
        if (versions == 0)
        {
            return WebhookVerificationResult.Fail(WebhookVerificationFailure.MalformedHeader, seconds);
        }
        if (count == 0)
        {
            return WebhookVerificationResult.Fail(WebhookVerificationFailure.UnsupportedVersion, seconds);
        }
        return CheckTimeAndSignatures(_standardKeys, _standardKeyIndexes, webhookId, webhookTimestamp, seconds, body, signatures[..(count * MacLength)]);
    }

    private WebhookVerificationResult CheckTimeAndSignatures(
        KeyedHmac[] keys, int[]? indexes, ReadOnlySpan<char> id, ReadOnlySpan<char> timestamp, long seconds,
        ReadOnlySpan<byte> body, ReadOnlySpan<byte> signatures)
    {
        // Time first: a stale or replayed request is refused without spending an HMAC on it.
        var now = _timeProvider.GetUtcNow().ToUnixTimeSeconds();
        if (seconds < now - _toleranceSeconds)
        {
            return WebhookVerificationResult.Fail(WebhookVerificationFailure.TimestampTooOld, seconds);
        }
        if (seconds > now + _toleranceSeconds)
        {
            return WebhookVerificationResult.Fail(WebhookVerificationFailure.TimestampInFuture, seconds);
        }
        var match = SignedContent.FindMatchingKey(keys, id, timestamp, body, signatures);
        if (match < 0)
        {
            return WebhookVerificationResult.Fail(WebhookVerificationFailure.NoMatchingSignature, seconds);
        }
        return WebhookVerificationResult.Success(seconds, indexes is null ? match : indexes[match]);
    }

    private static bool TryDecodeHex(ReadOnlySpan<char> hex, Span<byte> destination) =>
        hex.Length == MacLength * 2
        && Convert.FromHexString(hex, destination, out _, out var written) == System.Buffers.OperationStatus.Done
        && written == MacLength;
}
