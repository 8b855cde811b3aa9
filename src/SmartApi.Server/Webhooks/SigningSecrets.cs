using System.Collections.Concurrent;
using SmartApi.Storage;
using SmartApi.Webhooks;

namespace SmartApi.Server.Webhooks;

/// <summary>
/// The signer of each automation: its active secrets, decrypted once and cached for a few seconds
/// so the dispatcher neither reads nor decrypts them per delivery. Rotation through this node
/// invalidates at once; another node picks the new secret up within <see cref="CacheLifetime"/>,
/// and the old one keeps signing during the overlap anyway.
/// </summary>
internal sealed class SigningSecrets(IAutomationStore store, SecretProtector protector, TimeProvider time)
{
    public static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<string, (WebhookSigner? Signer, DateTimeOffset LoadedAt, DateTimeOffset? FirstExpiry)> _cache = new(StringComparer.Ordinal);

    /// <summary>A new secret in the Standard Webhooks form: <c>whsec_</c> + base64 of 32 random bytes.</summary>
    public static string Generate() => WebhookSecret.GenerateString();

    public async ValueTask<WebhookSigner?> GetSignerAsync(string automationId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(automationId, out var entry) && now - entry.LoadedAt < CacheLifetime && !(entry.FirstExpiry <= now))
        {
            return entry.Signer;
        }
        var stored = await store.ListActiveSecretsAsync(automationId, now, cancellationToken);
        var signer = stored.Count == 0
            ? null
            : new WebhookSigner(stored.Select(s => new WebhookSecret(protector.Unprotect(s.Ciphertext))), time);
        _cache[automationId] = (signer, now, stored.Where(s => s.ExpiresAt is not null).Select(s => s.ExpiresAt).Min());
        return signer;
    }

    public void Invalidate(string automationId) => _cache.TryRemove(automationId, out _);
}
