using System.Globalization;

namespace SmartApi.Webhooks;

/// <summary>
/// Signs webhook bodies: <c>X-Signature</c> with one <c>sig=</c> per secret, and optionally the
/// Standard Webhooks headers. Thread-safe; create one per set of active secrets.
/// </summary>
public sealed class WebhookSigner
{
    private const int HexLength = SignedContent.MacLength * 2;
    private const int SigPartLength = 5 + HexLength; // ";sig=" + hex
    private const string StandardVersionPrefix = "v1,";

    private readonly WebhookSecret[] _secrets;
    private readonly KeyedHmac[] _signatureKeys;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates a signer for one secret.</summary>
    public WebhookSigner(WebhookSecret secret, TimeProvider? timeProvider = null)
        : this([secret], timeProvider)
    {
    }

    /// <summary>Creates a signer for every active secret (more than one during a rotation).</summary>
    /// <param name="secrets">The active secrets, at least one; each gets its own signature, in this order.</param>
    /// <param name="timeProvider">The clock for the signed timestamp; <see cref="TimeProvider.System"/> when null.</param>
    public WebhookSigner(IEnumerable<WebhookSecret> secrets, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(secrets);
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
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The secrets this signer signs with, in signature order.</summary>
    public IReadOnlyList<WebhookSecret> Secrets => _secrets;

    /// <summary>The current time in Unix seconds, from the signer's clock.</summary>
    public long GetTimestamp() => _timeProvider.GetUtcNow().ToUnixTimeSeconds();

    /// <summary>Creates the <c>X-Signature</c> value for a body, signed now.</summary>
    public string CreateSignatureHeader(ReadOnlySpan<byte> body) => CreateSignatureHeader(body, GetTimestamp());

    /// <summary>Creates the <c>X-Signature</c> value for a body and timestamp: <c>v=1;t=...;sig=...</c>.</summary>
    /// <param name="body">The exact bytes of the request body.</param>
    /// <param name="timestamp">Unix seconds; not negative.</param>
    public string CreateSignatureHeader(ReadOnlySpan<byte> body, long timestamp)
    {
        var length = GetSignatureHeaderLength(timestamp);
        Span<char> buffer = length <= 512 ? stackalloc char[length] : new char[length];
        TryWriteSignatureHeader(body, timestamp, buffer, out var written);
        return new string(buffer[..written]);
    }

    /// <summary>The exact length in chars of the <c>X-Signature</c> value for a timestamp.</summary>
    public int GetSignatureHeaderLength(long timestamp)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(timestamp);
        return "v=1;t=".Length + CountDigits(timestamp) + _secrets.Length * SigPartLength;
    }

    /// <summary>
    /// Writes the <c>X-Signature</c> value into <paramref name="destination"/> without allocating
    /// (for senders and benchmarks).
    /// </summary>
    /// <returns>False when <paramref name="destination"/> is shorter than <see cref="GetSignatureHeaderLength"/>.</returns>
    public bool TryWriteSignatureHeader(ReadOnlySpan<byte> body, long timestamp, Span<char> destination, out int charsWritten)
    {
        charsWritten = 0;
        if (destination.Length < GetSignatureHeaderLength(timestamp))
        {
            return false;
        }
        "v=1;t=".CopyTo(destination);
        var position = 6;
        timestamp.TryFormat(destination[position..], out var digits, provider: CultureInfo.InvariantCulture);
        var t = destination.Slice(position, digits);
        position += digits;

        Span<byte> macs = _secrets.Length <= 16
            ? stackalloc byte[_secrets.Length * SignedContent.MacLength]
            : new byte[_secrets.Length * SignedContent.MacLength];
        SignedContent.ComputeMacs(_signatureKeys, id: default, t, body, macs);
        for (var i = 0; i < _secrets.Length; i++)
        {
            ";sig=".CopyTo(destination[position..]);
            position += 5;
            Convert.TryToHexStringLower(macs.Slice(i * SignedContent.MacLength, SignedContent.MacLength), destination[position..], out var hex);
            position += hex;
        }
        charsWritten = position;
        return true;
    }

    /// <summary>Creates the Standard Webhooks headers for a message, signed now.</summary>
    public StandardWebhookHeaders CreateStandardWebhookHeaders(string messageId, ReadOnlySpan<byte> body) =>
        CreateStandardWebhookHeaders(messageId, body, GetTimestamp());

    /// <summary>
    /// Creates the Standard Webhooks headers: the signed content is <c>&lt;id&gt;.&lt;timestamp&gt;.&lt;body&gt;</c>,
    /// keyed with each secret's base64-decoded <c>whsec_</c> part, one <c>v1,&lt;base64&gt;</c> per secret.
    /// </summary>
    /// <param name="messageId">The message id, normally the event id (<c>evt_...</c>); not empty.</param>
    /// <param name="body">The exact bytes of the request body.</param>
    /// <param name="timestamp">Unix seconds; not negative.</param>
    /// <exception cref="InvalidOperationException">A secret is not <c>whsec_</c> + base64.</exception>
    public StandardWebhookHeaders CreateStandardWebhookHeaders(string messageId, ReadOnlySpan<byte> body, long timestamp)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        ArgumentOutOfRangeException.ThrowIfNegative(timestamp);
        var keys = new KeyedHmac[_secrets.Length];
        for (var i = 0; i < _secrets.Length; i++)
        {
            keys[i] = _secrets[i].StandardWebhooksHmac
                ?? throw new InvalidOperationException("Standard Webhooks needs secrets of the form whsec_ + base64; generate them with WebhookSecret.Generate().");
        }
        var t = timestamp.ToString(CultureInfo.InvariantCulture);
        var macs = new byte[_secrets.Length * SignedContent.MacLength];
        SignedContent.ComputeMacs(keys, messageId, t, body, macs);
        var signatures = new string[_secrets.Length];
        for (var i = 0; i < _secrets.Length; i++)
        {
            signatures[i] = StandardVersionPrefix + Convert.ToBase64String(macs, i * SignedContent.MacLength, SignedContent.MacLength);
        }
        return new StandardWebhookHeaders(messageId, t, string.Join(' ', signatures));
    }

    private static int CountDigits(long value)
    {
        var digits = 1;
        while (value >= 10)
        {
            value /= 10;
            digits++;
        }
        return digits;
    }
}
