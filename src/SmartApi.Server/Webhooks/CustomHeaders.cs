using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using SmartApi.Server.Automations;
using SmartApi.Storage;

namespace SmartApi.Server.Webhooks;

/// <summary>
/// The custom headers of webhook actions, which often carry a receiver's credentials. Their values
/// are stored encrypted (with the signing secrets' key, <see cref="SecretProtector"/>), read back
/// only as <see cref="Mask"/>, and decrypted only by the sender when it builds a request. Names
/// stay readable: they are not secret, and they are how a client edits one header without knowing
/// the others' values.
/// </summary>
internal sealed class CustomHeaders(SecretProtector protector)
{
    /// <summary>What every read shows instead of a value; sent back in a PATCH, it keeps the stored value.</summary>
    public const string Mask = "***";

    private const string Prefix = "enc:v1:";
    private const int MaxCached = 10_000;

    // Decrypted once per webhook and kept while its stored headers are unchanged, so the sender
    // neither parses JSON nor decrypts per delivery.
    private readonly ConcurrentDictionary<string, (string Json, KeyValuePair<string, string>[] Plain)> _plain = new(StringComparer.Ordinal);

    public static bool IsProtected(string value) => value.StartsWith(Prefix, StringComparison.Ordinal);

    public string Protect(string value) => Prefix + protector.Protect(value);

    /// <summary>The value to send: decrypted, or as it is when it was stored before values were encrypted.</summary>
    public string Reveal(string stored) => IsProtected(stored) ? protector.Unprotect(stored[Prefix.Length..]) : stored;

    /// <summary>Whether <paramref name="stored"/> is an encrypted value this server can read (false: plain, from before encryption).</summary>
    public bool TryReveal(string stored, out string plain)
    {
        plain = stored;
        if (!IsProtected(stored))
        {
            return false;
        }
        try
        {
            plain = Reveal(stored);
            return true;
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException or ArgumentException)
        {
            plain = stored;
            return false;
        }
    }

    /// <summary>The headers as every read shows them: names with <see cref="Mask"/> for values.</summary>
    public static Dictionary<string, string> Masked(IReadOnlyDictionary<string, string>? headers)
    {
        var masked = new Dictionary<string, string>(headers?.Count ?? 0, StringComparer.Ordinal);
        foreach (var name in headers?.Keys ?? Enumerable.Empty<string>())
        {
            masked[name] = Mask;
        }
        return masked;
    }

    /// <summary>The webhook's headers to put on a request, decrypted (cached while they do not change).</summary>
    public KeyValuePair<string, string>[] ForSending(Webhook webhook)
    {
        if (webhook.HeadersJson == "{}")
        {
            return [];
        }
        if (_plain.TryGetValue(webhook.Id, out var cached) && string.Equals(cached.Json, webhook.HeadersJson, StringComparison.Ordinal))
        {
            return cached.Plain;
        }
        var stored = JsonSerializer.Deserialize(webhook.HeadersJson, AutomationJsonContext.Default.DictionaryStringString) ?? [];
        var plain = stored.Select(h => KeyValuePair.Create(h.Key, Reveal(h.Value))).ToArray();
        if (_plain.Count >= MaxCached)
        {
            _plain.Clear();
        }
        _plain[webhook.Id] = (webhook.HeadersJson, plain);
        return plain;
    }
}
