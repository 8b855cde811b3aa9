using SmartApi.Contracts;

namespace SmartApi.Client;

/// <summary><c>/v1/deliveries</c>: webhook deliveries and their attempts.</summary>
public sealed class DeliveriesClient
{
    private readonly SmartApiTransport _transport;

    internal DeliveriesClient(SmartApiTransport transport) => _transport = transport;

    /// <summary>Gets a delivery with every attempt (<c>GET /v1/deliveries/{id}</c>).</summary>
    public Task<DeliveryResponse> GetAsync(string id, CancellationToken cancellationToken = default) =>
        _transport.GetAsync($"v1/deliveries/{PathSegment.Of(id)}", SmartApiJsonContext.Default.DeliveryResponse, cancellationToken);

    /// <summary>One page of deliveries (<c>GET /v1/deliveries</c>).</summary>
    /// <param name="automationId">Only deliveries of this automation.</param>
    /// <param name="eventId">Only deliveries of this event.</param>
    /// <param name="status"><c>pending</c>, <c>succeeded</c> or <c>failed</c>.</param>
    /// <param name="eventType">Only deliveries of this event type.</param>
    /// <param name="from">Only deliveries created at or after this time.</param>
    /// <param name="to">Only deliveries created before this time.</param>
    /// <param name="newestFirst">Newest first (<c>order=desc</c>) instead of oldest first.</param>
    /// <param name="limit">Page size, 1-500 (server default 50).</param>
    /// <param name="after">The <c>nextCursor</c> of the previous page.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<Page<DeliveryResponse>> ListPageAsync(string? automationId = null, string? eventId = null, string? status = null,
        string? eventType = null, DateTimeOffset? from = null, DateTimeOffset? to = null, bool newestFirst = false,
        int? limit = null, string? after = null, CancellationToken cancellationToken = default) =>
        _transport.GetAsync(new Query("v1/deliveries").Add("automationId", automationId).Add("eventId", eventId).Add("status", status)
                .Add("eventType", eventType).Add("from", from).Add("to", to).Add("order", newestFirst ? "desc" : null)
                .Add("limit", limit).Add("after", after).ToString(),
            SmartApiJsonContext.Default.PageDeliveryResponse, cancellationToken);

    /// <summary>Every delivery matching the filters.</summary>
    public IAsyncEnumerable<DeliveryResponse> ListAsync(string? automationId = null, string? eventId = null, string? status = null,
        string? eventType = null, DateTimeOffset? from = null, DateTimeOffset? to = null, bool newestFirst = false,
        int? pageSize = null, CancellationToken cancellationToken = default) =>
        SmartApiTransport.PagesAsync((cursor, ct) => ListPageAsync(automationId, eventId, status, eventType, from, to, newestFirst, pageSize, cursor, ct),
            null, cancellationToken);

    /// <summary>
    /// Queues again the failed deliveries matching <paramref name="request"/>, at most 1,000 per call
    /// (<c>POST /v1/deliveries/retry</c>); call again while <see cref="RetryDeliveriesResponse.More"/> is true.
    /// </summary>
    public Task<RetryDeliveriesResponse> RetryFailedAsync(RetryDeliveriesRequest request, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        _transport.SendAsync(HttpMethod.Post, "v1/deliveries/retry", request, SmartApiJsonContext.Default.RetryDeliveriesRequest,
            SmartApiJsonContext.Default.RetryDeliveriesResponse, idempotencyKey, cancellationToken);

    /// <summary>Sends the delivery again now (<c>POST /v1/deliveries/{id}/retry</c>).</summary>
    public Task<DeliveryResponse> RetryAsync(string id, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        _transport.PostAsync($"v1/deliveries/{PathSegment.Of(id)}/retry", SmartApiJsonContext.Default.DeliveryResponse, idempotencyKey, cancellationToken);
}
