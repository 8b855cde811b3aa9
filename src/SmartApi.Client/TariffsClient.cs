using SmartApi.Contracts;

namespace SmartApi.Client;

/// <summary><c>/v1/tariffs</c> (scopes <c>tariffs:read</c> and <c>tariffs:write</c>): prices per kWh by period and time-of-use band, and what they apply to.</summary>
public sealed class TariffsClient
{
    private readonly SmartApiTransport _transport;

    internal TariffsClient(SmartApiTransport transport) => _transport = transport;

    /// <summary>Creates a tariff (<c>POST /v1/tariffs</c>); a target another tariff holds answers 409 <c>tariff_target_taken</c>.</summary>
    /// <param name="request">Name, currency, periods with bands and fees, and what it applies to.</param>
    /// <param name="idempotencyKey">The Idempotency-Key to send; a new one is generated when null.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<TariffResponse> CreateAsync(CreateTariffRequest request, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        _transport.SendAsync(HttpMethod.Post, "v1/tariffs", request, SmartApiJsonContext.Default.CreateTariffRequest,
            SmartApiJsonContext.Default.TariffResponse, idempotencyKey, cancellationToken);

    /// <summary>Gets a tariff (<c>GET /v1/tariffs/{id}</c>).</summary>
    public Task<TariffResponse> GetAsync(string id, CancellationToken cancellationToken = default) =>
        _transport.GetAsync($"v1/tariffs/{PathSegment.Of(id)}", SmartApiJsonContext.Default.TariffResponse, cancellationToken);

    /// <summary>One page of tariffs, oldest first (<c>GET /v1/tariffs</c>).</summary>
    /// <param name="limit">Page size, 1-500 (server default 50).</param>
    /// <param name="after">The <c>nextCursor</c> of the previous page.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<Page<TariffResponse>> ListPageAsync(int? limit = null, string? after = null, CancellationToken cancellationToken = default) =>
        _transport.GetAsync(new Query("v1/tariffs").Add("limit", limit).Add("after", after).ToString(),
            SmartApiJsonContext.Default.PageTariffResponse, cancellationToken);

    /// <summary>Every tariff of the organization, oldest first.</summary>
    public IAsyncEnumerable<TariffResponse> ListAsync(int? pageSize = null, CancellationToken cancellationToken = default) =>
        SmartApiTransport.PagesAsync((cursor, ct) => ListPageAsync(pageSize, cursor, ct), null, cancellationToken);

    /// <summary>Changes a tariff (<c>PATCH /v1/tariffs/{id}</c>): members left null keep their value. Not retried: PATCH is not idempotent by definition.</summary>
    public Task<TariffResponse> UpdateAsync(string id, UpdateTariffRequest request, CancellationToken cancellationToken = default) =>
        _transport.SendAsync(HttpMethod.Patch, $"v1/tariffs/{PathSegment.Of(id)}", request, SmartApiJsonContext.Default.UpdateTariffRequest,
            SmartApiJsonContext.Default.TariffResponse, null, cancellationToken);

    /// <summary>Deletes a tariff (<c>DELETE /v1/tariffs/{id}</c>).</summary>
    public Task DeleteAsync(string id, CancellationToken cancellationToken = default) =>
        _transport.DeleteAsync($"v1/tariffs/{PathSegment.Of(id)}", cancellationToken);
}
