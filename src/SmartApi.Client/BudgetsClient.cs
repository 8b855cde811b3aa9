using SmartApi.Contracts;

namespace SmartApi.Client;

/// <summary><c>/v1/budgets</c>: energy and cost limits per local day or month (scopes <c>devices:read</c>, <c>devices:write</c> to change).</summary>
public sealed class BudgetsClient
{
    private readonly SmartApiTransport _transport;

    internal BudgetsClient(SmartApiTransport transport) => _transport = transport;

    /// <summary>Creates a budget (<c>POST /v1/budgets</c>) on a device or a tag, with an energy and/or cost limit.</summary>
    /// <param name="request">The name, the device or tag, the period and the limits.</param>
    /// <param name="idempotencyKey">The Idempotency-Key to send; a new one is generated when null.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<BudgetResponse> CreateAsync(CreateBudgetRequest request, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        _transport.SendAsync(HttpMethod.Post, "v1/budgets", request, SmartApiJsonContext.Default.CreateBudgetRequest,
            SmartApiJsonContext.Default.BudgetResponse, idempotencyKey, cancellationToken);

    /// <summary>Gets a budget (<c>GET /v1/budgets/{id}</c>).</summary>
    /// <param name="id">The budget (<c>bud_...</c>).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<BudgetResponse> GetAsync(string id, CancellationToken cancellationToken = default) =>
        _transport.GetAsync($"v1/budgets/{PathSegment.Of(id)}", SmartApiJsonContext.Default.BudgetResponse, cancellationToken);

    /// <summary>One page of budgets (<c>GET /v1/budgets</c>), oldest first.</summary>
    /// <param name="limit">Page size, 1-500 (server default 50).</param>
    /// <param name="after">The <c>nextCursor</c> of the previous page.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<Page<BudgetResponse>> ListPageAsync(int? limit = null, string? after = null, CancellationToken cancellationToken = default) =>
        _transport.GetAsync(new Query("v1/budgets").Add("limit", limit).Add("after", after).ToString(),
            SmartApiJsonContext.Default.PageBudgetResponse, cancellationToken);

    /// <summary>Every budget of the organization, oldest first.</summary>
    /// <param name="pageSize">Budgets per request, 1-500.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    public IAsyncEnumerable<BudgetResponse> ListAsync(int? pageSize = null, CancellationToken cancellationToken = default) =>
        SmartApiTransport.PagesAsync((cursor, ct) => ListPageAsync(pageSize, cursor, ct), null, cancellationToken);

    /// <summary>Changes a budget's name, period or limits (<c>PATCH /v1/budgets/{id}</c>). Not retried.</summary>
    /// <param name="id">The budget (<c>bud_...</c>).</param>
    /// <param name="request">The members to replace.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<BudgetResponse> UpdateAsync(string id, UpdateBudgetRequest request, CancellationToken cancellationToken = default) =>
        _transport.SendAsync(HttpMethod.Patch, $"v1/budgets/{PathSegment.Of(id)}", request, SmartApiJsonContext.Default.UpdateBudgetRequest,
            SmartApiJsonContext.Default.BudgetResponse, null, cancellationToken);

    /// <summary>Deletes a budget (<c>DELETE /v1/budgets/{id}</c>).</summary>
    /// <param name="id">The budget (<c>bud_...</c>).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task DeleteAsync(string id, CancellationToken cancellationToken = default) =>
        _transport.DeleteAsync($"v1/budgets/{PathSegment.Of(id)}", cancellationToken);
}
