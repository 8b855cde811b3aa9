using System.Security.Cryptography;

namespace SmartApi.Server.ApiKeys;

/// <summary>
/// API key secrets: <c>sk_</c> + 256 random bits in base64url. Only a SHA-256 hash is stored: the
/// secret has full entropy, so a slow password hash would add latency without adding safety, and
/// the hash lets the store find the key by an index instead of comparing secrets one by one.
/// </summary>
internal static class ApiKeySecrets
{
    public const string SecretPrefix = "sk_";

    /// <summary>Longest secret accepted (a configured bootstrap key may be longer than generated ones).</summary>
    public const int MaxLength = 1024;
    private const int VisiblePrefixLength = 11;

    public static string NewSecret() => SecretPrefix + Base64Url(RandomNumberGenerator.GetBytes(32));

    /// <summary>The stored form of a secret (API keys and device MQTT passwords alike).</summary>
    public static byte[] Hash(string secret) => KeyHash.Of(secret).ToArray();

    /// <summary>The part shown in lists so people can tell keys apart; too short to guess the rest.</summary>
    public static string VisiblePrefix(string secret) => secret[..Math.Min(VisiblePrefixLength, secret.Length)];

    public static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
