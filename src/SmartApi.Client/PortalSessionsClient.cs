using SmartApi.Contracts;

namespace SmartApi.Client;

/// <summary><c>/v1/portal-sessions</c> (scope <c>automations:write</c>, with <c>automations:read</c> to create).</summary>
public sealed class PortalSessionsClient
{
    private readonly SmartApiTransport _transport;

    internal PortalSessionsClient(SmartApiTransport transport) => _transport = transport;

    /// <summary>Creates a portal session (<c>POST /v1/portal-sessions</c>); its URL (<see cref="PortalSessionResponse.Url"/>) is in this answer only.</summary>
    /// <param name="request">The automations the portal manages, its lifetime and brand.</param>
    /// <param name="idempotencyKey">The Idempotency-Key to send; a new one is generated when null.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<PortalSessionResponse> CreateAsync(CreatePortalSessionRequest request, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        _transport.SendAsync(HttpMethod.Post, "v1/portal-sessions", request, SmartApiJsonContext.Default.CreatePortalSessionRequest,
            SmartApiJsonContext.Default.PortalSessionResponse, idempotencyKey, cancellationToken);

    /// <summary>Gets a portal session (<c>GET /v1/portal-sessions/{id}</c>), without its URL.</summary>
    public Task<PortalSessionResponse> GetAsync(string id, CancellationToken cancellationToken = default) =>
        _transport.GetAsync($"v1/portal-sessions/{PathSegment.Of(id)}", SmartApiJsonContext.Default.PortalSessionResponse, cancellationToken);

    /// <summary>The session of the portal token this client sends (<c>GET /v1/portal-sessions/current</c>).</summary>
    public Task<PortalSessionResponse> GetCurrentAsync(CancellationToken cancellationToken = default) =>
        _transport.GetAsync("v1/portal-sessions/current", SmartApiJsonContext.Default.PortalSessionResponse, cancellationToken);

    /// <summary>One page of portal sessions (<c>GET /v1/portal-sessions</c>).</summary>
    /// <param name="limit">Page size, 1-500 (server default 50).</param>
    /// <param name="after">The <c>nextCursor</c> of the previous page.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<Page<PortalSessionResponse>> ListPageAsync(int? limit = null, string? after = null, CancellationToken cancellationToken = default) =>
        _transport.GetAsync(new Query("v1/portal-sessions").Add("limit", limit).Add("after", after).ToString(),
            SmartApiJsonContext.Default.PagePortalSessionResponse, cancellationToken);

    /// <summary>Revokes a portal session (<c>DELETE /v1/portal-sessions/{id}</c>): at once on the node that answers, within 30 s on the others.</summary>
    public Task RevokeAsync(string id, CancellationToken cancellationToken = default) =>
        _transport.DeleteAsync($"v1/portal-sessions/{PathSegment.Of(id)}", cancellationToken);
}
