using SmartApi.Contracts;

namespace SmartApi.Client;

/// <summary><c>/v1/organizations</c> (admin keys only), and <c>/v1/organization</c>: the calling key's own (any key).</summary>
public sealed class OrganizationsClient
{
    private readonly SmartApiTransport _transport;

    internal OrganizationsClient(SmartApiTransport transport) => _transport = transport;

    /// <summary>Creates an organization (<c>POST /v1/organizations</c>).</summary>
    /// <param name="request">Its name.</param>
    /// <param name="idempotencyKey">The Idempotency-Key to send; a new one is generated when null.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<OrganizationResponse> CreateAsync(CreateOrganizationRequest request, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        _transport.SendAsync(HttpMethod.Post, "v1/organizations", request, SmartApiJsonContext.Default.CreateOrganizationRequest,
            SmartApiJsonContext.Default.OrganizationResponse, idempotencyKey, cancellationToken);

    /// <summary>Gets an organization (<c>GET /v1/organizations/{id}</c>).</summary>
    public Task<OrganizationResponse> GetAsync(string id, CancellationToken cancellationToken = default) =>
        _transport.GetAsync($"v1/organizations/{PathSegment.Of(id)}", SmartApiJsonContext.Default.OrganizationResponse, cancellationToken);

    /// <summary>The organization of the key in use (<c>GET /v1/organization</c>): any key may call it.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<OrganizationResponse> GetOwnAsync(CancellationToken cancellationToken = default) =>
        _transport.GetAsync("v1/organization", SmartApiJsonContext.Default.OrganizationResponse, cancellationToken);

    /// <summary>Renames an organization or replaces its limits (<c>PATCH /v1/organizations/{id}</c>). Not retried.</summary>
    /// <param name="id">The organization's id.</param>
    /// <param name="request">The members to change; a member left null keeps its value.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<OrganizationResponse> UpdateAsync(string id, UpdateOrganizationRequest request, CancellationToken cancellationToken = default) =>
        _transport.SendAsync(HttpMethod.Patch, $"v1/organizations/{PathSegment.Of(id)}", request, SmartApiJsonContext.Default.UpdateOrganizationRequest,
            SmartApiJsonContext.Default.OrganizationResponse, null, cancellationToken);

    /// <summary>Changes the key's own organization's settings, such as its time zone (<c>PATCH /v1/organization</c>, keys:manage). Not retried.</summary>
    /// <param name="request">The members to change; a member left null keeps its value.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<OrganizationResponse> UpdateOwnAsync(UpdateOwnOrganizationRequest request, CancellationToken cancellationToken = default) =>
        _transport.SendAsync(HttpMethod.Patch, "v1/organization", request, SmartApiJsonContext.Default.UpdateOwnOrganizationRequest,
            SmartApiJsonContext.Default.OrganizationResponse, null, cancellationToken);

    /// <summary>One page of organizations (<c>GET /v1/organizations</c>).</summary>
    /// <param name="limit">Page size, 1-500 (server default 50).</param>
    /// <param name="after">The <c>nextCursor</c> of the previous page.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<Page<OrganizationResponse>> ListPageAsync(int? limit = null, string? after = null, CancellationToken cancellationToken = default) =>
        _transport.GetAsync(new Query("v1/organizations").Add("limit", limit).Add("after", after).ToString(),
            SmartApiJsonContext.Default.PageOrganizationResponse, cancellationToken);

    /// <summary>Every organization, oldest first, fetching pages as the enumeration goes.</summary>
    public IAsyncEnumerable<OrganizationResponse> ListAsync(int? pageSize = null, CancellationToken cancellationToken = default) =>
        SmartApiTransport.PagesAsync((cursor, ct) => ListPageAsync(pageSize, cursor, ct), null, cancellationToken);
}
