using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Webhooks;

/// <summary>
/// Encrypts secrets at rest (webhook signing secrets, and stored Idempotency-Key responses, which
/// may hold a key or device password shown once) with AES-256-GCM. The key comes from
/// <c>SmartApi:Webhooks:EncryptionKey</c> (base64 of 32 bytes; required when several nodes share a
/// database) or else from <c>webhook-secrets.key</c> in the data directory, created on first use
/// with owner-only permissions. Losing the key makes stored secrets unusable: back it up with the data.
/// </summary>
internal sealed class SecretProtector
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    public const string KeyFileName = "webhook-secrets.key";
    private readonly byte[] _key;

    public SecretProtector(IOptions<WebhookOptions> options, IOptions<SmartApiOptions> smartApi)
    {
        var configured = options.Value.EncryptionKey;
        _key = configured is not null ? Convert.FromBase64String(configured) : LoadOrCreateKeyFile(smartApi.Value.DataDirectory);
    }

    public string Protect(string secret) => Convert.ToBase64String(Protect(System.Text.Encoding.UTF8.GetBytes(secret)));

    public string Unprotect(string protectedSecret) => System.Text.Encoding.UTF8.GetString(Unprotect(Convert.FromBase64String(protectedSecret)));

    /// <summary>Encrypts bytes: nonce, ciphertext and tag in one array.</summary>
    public byte[] Protect(byte[] plain)
    {
        var output = new byte[NonceSize + plain.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plain, output.AsSpan(NonceSize, plain.Length), output.AsSpan(NonceSize + plain.Length));
        return output;
    }

    public byte[] Unprotect(byte[] input)
    {
        var plain = new byte[input.Length - NonceSize - TagSize];
        using var aes = new AesGcm(_key, TagSize);
        aes.Decrypt(input.AsSpan(0, NonceSize), input.AsSpan(NonceSize, plain.Length), input.AsSpan(NonceSize + plain.Length), plain);
        return plain;
    }

    private static byte[] LoadOrCreateKeyFile(string dataDirectory)
    {
        OwnerOnlyFiles.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, KeyFileName);
        if (!File.Exists(path))
        {
            var key = RandomNumberGenerator.GetBytes(32);
            var temporary = path + ".tmp";
            // Owner-only before the key is written into it (a leftover file is replaced).
            File.Delete(temporary);
            OwnerOnlyFiles.CreateFile(temporary);
            File.WriteAllText(temporary, Convert.ToBase64String(key));
            // Two processes starting together: the first move wins and both read the winner's key.
            try
            {
                File.Move(temporary, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                File.Delete(temporary);
            }
        }
        return Convert.FromBase64String(File.ReadAllText(path).Trim());
    }
}
