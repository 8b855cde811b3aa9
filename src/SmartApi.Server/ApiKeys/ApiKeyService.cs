using SmartApi.Storage;

namespace SmartApi.Server.ApiKeys;

internal sealed class ApiKeyService(
    ISmartApiStore store, IdGenerator ids, TimeProvider time, ApiKeyAuthenticator authenticator, WebConsole.ConsoleSessionAuthenticator consoleSessions)
{
    /// <summary>Creates a key; pass <paramref name="secret"/> to use a given secret (the bootstrap key), else one is generated.</summary>
    public async Task<(ApiKey Key, string Secret)> CreateAsync(
        string organizationId, string name, IReadOnlyList<string> scopes, string? secret, CancellationToken cancellationToken)
    {
        (var key, secret) = New(organizationId, name, scopes, secret);
        await store.WriteAsync(async tx =>
        {
            await tx.InsertApiKeyAsync(key);
            return key;
        }, cancellationToken);
        return (key, secret);
    }

    /// <summary>A key ready to insert, and its secret; nothing is stored yet.</summary>
    public (ApiKey Key, string Secret) New(string organizationId, string name, IReadOnlyList<string> scopes, string? secret = null)
    {
        secret ??= ApiKeySecrets.NewSecret();
        var key = new ApiKey(ids.New("key"), organizationId, name, ApiKeySecrets.VisiblePrefix(secret), ApiKeySecrets.Hash(secret),
            scopes, time.GetUtcNow(), null, null);
        return (key, secret);
    }

    public async Task<ApiKey?> RevokeAsync(string organizationId, string id, CancellationToken cancellationToken)
    {
        await store.WriteAsync(tx => tx.RevokeApiKeyAsync(organizationId, id, time.GetUtcNow()), cancellationToken);
        authenticator.Evict(id);
        consoleSessions.EvictKey(id);
        return await store.GetApiKeyAsync(organizationId, id, cancellationToken);
    }
}
