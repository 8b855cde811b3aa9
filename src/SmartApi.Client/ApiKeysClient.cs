using SmartApi.Contracts;

namespace SmartApi.Client;

/// <summary><c>/v1/api-keys</c> (scope <c>keys:manage</c>).</summary>
public sealed class ApiKeysClient
{
    private readonly SmartApiTransport _transport;

    internal ApiKeysClient(SmartApiTransport transport) => _transport = transport;

    /// <summary>Creates a key (<c>POST /v1/api-keys</c>); its secret (<see cref="ApiKeyResponse.Key"/>) is in this answer only.</summary>
    /// <param name="request">Name, scopes, and for admins the organization.</param>
    /// <param name="idempotencyKey">The Idempotency-Key to send; a new one is generated when null.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<ApiKeyResponse> CreateAsync(CreateApiKeyRequest request, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        _transport.SendAsync(HttpMethod.Post, "v1/api-keys", request, SmartApiJsonContext.Default.CreateApiKeyRequest,
            SmartApiJsonContext.Default.ApiKeyResponse, idempotencyKey, cancellationToken);

    /// <summary>Gets a key (<c>GET /v1/api-keys/{id}</c>), without its secret.</summary>
    public Task<ApiKeyResponse> GetAsync(string id, CancellationToken cancellationToken = default) =>
        _transport.GetAsync($"v1/api-keys/{PathSegment.Of(id)}", SmartApiJsonContext.Default.ApiKeyResponse, cancellationToken);

    /// <summary>One page of keys (<c>GET /v1/api-keys</c>).</summary>
    /// <param name="limit">Page size, 1-500 (server default 50).</param>
    /// <param name="after">The <c>nextCursor</c> of the previous page.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<Page<ApiKeyResponse>> ListPageAsync(int? limit = null, string? after = null, CancellationToken cancellationToken = default) =>
        _transport.GetAsync(new Query("v1/api-keys").Add("limit", limit).Add("after", after).ToString(),
            SmartApiJsonContext.Default.PageApiKeyResponse, cancellationToken);

    /// <summary>Every key of the organization, oldest first.</summary>
    public IAsyncEnumerable<ApiKeyResponse> ListAsync(int? pageSize = null, CancellationToken cancellationToken = default) =>
        SmartApiTransport.PagesAsync((cursor, ct) => ListPageAsync(pageSize, cursor, ct), null, cancellationToken);

    /// <summary>Revokes a key at once (<c>POST /v1/api-keys/{id}/revoke</c>).</summary>
    public Task<ApiKeyResponse> RevokeAsync(string id, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        _transport.PostAsync($"v1/api-keys/{PathSegment.Of(id)}/revoke", SmartApiJsonContext.Default.ApiKeyResponse, idempotencyKey, cancellationToken);
}
