using System.Security.Cryptography;
using System.Text;

namespace SmartApi.Webhooks;

/// <summary>
/// A webhook signing secret (<c>whsec_...</c>) with its HMAC keys computed once, so signing and
/// verifying never encode the secret again.
/// </summary>
/// <remarks>
/// <c>X-Signature</c> is keyed with the UTF-8 bytes of the whole secret string. Standard Webhooks
/// (<c>webhook-signature</c>) is keyed with the base64-decoded part after <c>whsec_</c>, which is
/// only available when the secret has that form (see <see cref="HasStandardWebhooksKey"/>).
/// </remarks>
public sealed class WebhookSecret
{
    /// <summary>The prefix of every Smart API webhook secret.</summary>
    public const string Prefix = "whsec_";

    /// <summary>How many random bytes <see cref="Generate"/> encodes after the prefix.</summary>
    public const int GeneratedKeyLength = 32;

    private readonly byte[] _signatureKey;
    private readonly byte[]? _standardWebhooksKey;
    private KeyedHmac? _signatureHmac;
    private KeyedHmac? _standardWebhooksHmac;

    /// <summary>Creates a secret from its string form, as shown by the Smart API (<c>whsec_...</c>).</summary>
    /// <param name="secret">The whole secret string; must not be empty.</param>
    /// <exception cref="ArgumentException">The secret is null or empty.</exception>
    public WebhookSecret(string secret)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        Value = secret;
        _signatureKey = Encoding.UTF8.GetBytes(secret);
        _standardWebhooksKey = TryDecodeStandardKey(secret);
    }

    /// <summary>The secret string itself, to show once or store encrypted; never log it.</summary>
    public string Value { get; }

    /// <summary>
    /// Whether the secret is <c>whsec_</c> followed by non-empty base64, so it can also sign and
    /// verify Standard Webhooks headers.
    /// </summary>
    public bool HasStandardWebhooksKey => _standardWebhooksKey is not null;

    /// <summary>The HMAC key of <c>X-Signature</c>: the UTF-8 bytes of the whole secret string.</summary>
    public ReadOnlySpan<byte> SignatureKey => _signatureKey;

    /// <summary>
    /// The HMAC key of Standard Webhooks: the base64-decoded bytes after <c>whsec_</c>; empty when
    /// <see cref="HasStandardWebhooksKey"/> is false.
    /// </summary>
    public ReadOnlySpan<byte> StandardWebhooksKey => _standardWebhooksKey;

    internal byte[] SignatureKeyBytes => _signatureKey;

    /// <summary>Keyed HMAC for <c>X-Signature</c>, shared by every signer and verifier holding this secret.</summary>
    internal KeyedHmac SignatureHmac => _signatureHmac ??= new KeyedHmac(_signatureKey);

    /// <summary>Keyed HMAC for Standard Webhooks, when the secret has that form.</summary>
    internal KeyedHmac? StandardWebhooksHmac => _standardWebhooksKey is null ? null : _standardWebhooksHmac ??= new KeyedHmac(_standardWebhooksKey);

    internal byte[]? StandardWebhooksKeyBytes => _standardWebhooksKey;

    /// <summary>Generates a new secret: <c>whsec_</c> + base64 of 32 cryptographically random bytes.</summary>
    public static WebhookSecret Generate() => new(GenerateString());

    /// <summary>Generates the string form of a new secret: <c>whsec_</c> + base64 of 32 random bytes.</summary>
    public static string GenerateString()
    {
        Span<byte> key = stackalloc byte[GeneratedKeyLength];
        RandomNumberGenerator.Fill(key);
        var text = Prefix + Convert.ToBase64String(key);
        CryptographicOperations.ZeroMemory(key);
        return text;
    }

    /// <summary>Creates secrets from their string forms, e.g. the old and new secret during rotation.</summary>
    public static IReadOnlyList<WebhookSecret> FromStrings(params IEnumerable<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        return [.. secrets.Select(s => new WebhookSecret(s))];
    }

    /// <summary>Redacted: secrets must not end up in logs.</summary>
    public override string ToString() => Prefix + "***";

    private static byte[]? TryDecodeStandardKey(string secret)
    {
        if (!secret.StartsWith(Prefix, StringComparison.Ordinal) || secret.Length == Prefix.Length)
        {
            return null;
        }
        var encoded = secret.AsSpan(Prefix.Length);
        var buffer = new byte[encoded.Length * 3 / 4 + 3];
        if (!Convert.TryFromBase64Chars(encoded, buffer, out var written) || written == 0)
        {
            return null;
        }
        return buffer.AsSpan(0, written).ToArray();
    }
}
