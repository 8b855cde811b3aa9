using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using SmartApi.Contracts;
using SmartApi.Server.ApiKeys;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Deliveries;

internal static class DeliveriesApi
{
    /// <summary>Failed deliveries one bulk retry queues at most: one bounded transaction per call.</summary>
    public const int MaxBulkRetry = 1000;

    public static RouteGroupBuilder MapDeliveries(this IEndpointRouteBuilder routes)
    {
        var deliveries = routes.MapGroup("/v1/deliveries").WithTags("Deliveries");
        var read = deliveries.MapGroup("").RequireScope(Scopes.AutomationsRead);
        read.MapGet("/", List).WithName("ListDeliveries")
            .WithSummary("List webhook deliveries, oldest first (order=desc for newest first).");
        read.MapGet("/{id}", Get).WithName("GetDelivery").WithSummary("Get a delivery with every attempt.").ProducesProblem(StatusCodes.Status404NotFound);
        deliveries.MapPost("/{id}/retry", Retry).RequireScope(Scopes.AutomationsWrite).WithName("RetryDelivery")
            .WithSummary("Send a delivery again now.").ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        deliveries.MapPost("/retry", RetryFailed).RequireScope(Scopes.AutomationsWrite).WithName("RetryDeliveries")
            .WithSummary("Send the failed deliveries matching a filter again, at most 1,000 per call; repeat while more.");
        return deliveries;
    }

    /// <param name="automationId">Only deliveries of this automation.</param>
    /// <param name="eventId">Only deliveries of this event.</param>
    /// <param name="status">pending, succeeded or failed.</param>
    /// <param name="eventType">Only deliveries of this event type (exact, as in GET /v1/event-types).</param>
    /// <param name="from">Only deliveries created at or after this time, RFC 3339.</param>
    /// <param name="to">Only deliveries created before this time, RFC 3339.</param>
    /// <param name="order">asc (oldest first, the default) or desc (newest first); the cursor follows the order.</param>
    private static async Task<Results<Ok<Page<DeliveryResponse>>, ProblemHttpResult>> List(
        ClaimsPrincipal user, ISmartApiStore store, string? automationId, string? eventId, string? status,
        string? eventType, string? from, string? to, string? order, int? limit, string? after, CancellationToken cancellationToken)
    {
        if (!Paging.TryCreate(limit, after, "dlv", out var page, out var problem)
            || !DeliveryFilters.TryCreate(automationId, eventId, status, eventType, from, to, order, out var filter, out problem))
        {
            return problem!;
        }
        var organizationId = user.Caller().OrganizationId;
        var result = await store.ListDeliveriesAsync(organizationId, filter, page, cancellationToken);
        var urls = await UrlsAsync(store, result.Items, cancellationToken);
        return TypedResults.Ok(Paging.ToPage(result, d => ToResponse(d, urls.GetValueOrDefault(d.WebhookId, ""), null), d => d.Id));
    }

    private static async Task<Results<Ok<DeliveryResponse>, ProblemHttpResult>> Get(
        string id, ClaimsPrincipal user, ISmartApiStore store, CancellationToken cancellationToken)
    {
        if (await store.GetDeliveryAsync(user.Caller().OrganizationId, id, cancellationToken) is not { } delivery)
        {
            return Problems.NotFound("delivery", id);
        }
        var attempts = await store.ListAttemptsAsync(delivery.Id, cancellationToken);
        var urls = await UrlsAsync(store, [delivery], cancellationToken);
        return TypedResults.Ok(ToResponse(delivery, urls.GetValueOrDefault(delivery.WebhookId, ""), attempts));
    }

    private static async Task<Results<Accepted<DeliveryResponse>, ProblemHttpResult>> Retry(
        string id, ClaimsPrincipal user, ISmartApiStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var organizationId = user.Caller().OrganizationId;
        if (!await store.WriteAsync(tx => tx.RetryDeliveryAsync(organizationId, id, time.GetUtcNow()), cancellationToken))
        {
            return await store.GetDeliveryAsync(organizationId, id, cancellationToken) is { ErasedAt: not null }
                ? Problems.Conflict("delivery_erased", "The delivery's event was erased; it cannot be sent again.")
                : Problems.NotFound("delivery", id);
        }
        var delivery = (await store.GetDeliveryAsync(organizationId, id, cancellationToken))!;
        var urls = await UrlsAsync(store, [delivery], cancellationToken);
        return TypedResults.Accepted($"/v1/deliveries/{id}", ToResponse(delivery, urls.GetValueOrDefault(delivery.WebhookId, ""), null));
    }

    private static async Task<Results<Accepted<RetryDeliveriesResponse>, ProblemHttpResult>> RetryFailed(
        RetryDeliveriesRequest request, ClaimsPrincipal user, ISmartApiStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!DeliveryFilters.TryCreate(request, out var filter, out var problem))
        {
            return problem!;
        }
        var organizationId = user.Caller().OrganizationId;
        var retried = await store.WriteAsync(tx => tx.RetryFailedDeliveriesAsync(organizationId, filter, MaxBulkRetry, time.GetUtcNow()), cancellationToken);
        return TypedResults.Accepted("/v1/deliveries?status=pending", new RetryDeliveriesResponse(retried.Queued, retried.More));
    }

    private static async Task<Dictionary<string, string>> UrlsAsync(ISmartApiStore store, IReadOnlyList<Delivery> deliveries, CancellationToken cancellationToken)
    {
        // Removed webhooks included: their deliveries still show where they went.
        var webhooks = await store.ListWebhooksAsync(deliveries.Select(d => d.AutomationId).Distinct().ToList(), cancellationToken);
        return webhooks.ToDictionary(w => w.Id, w => w.Url, StringComparer.Ordinal);
    }

    private static DeliveryResponse ToResponse(Delivery d, string url, IReadOnlyList<DeliveryAttempt>? attempts) => new(
        d.Id, d.AutomationId, d.EventId, d.EventType, url, d.Status, d.Attempts,
        d.Status == DeliveryStatus.Pending ? d.NextAttemptAt : null, d.LastStatusCode, d.LastError, d.CreatedAt, d.UpdatedAt,
        attempts?.Select(a => new DeliveryAttemptResponse(a.Number, a.StartedAt, a.StatusCode, a.DurationMs, a.Error, a.ResponseBody,
            a.RequestHeadersJson is null ? null : JsonSerializer.Deserialize(a.RequestHeadersJson, SmartApiJsonContext.Default.IReadOnlyDictionaryStringString)))
            .ToList(),
        d.ErasedAt,
        d.Status == DeliveryStatus.Pending ? d.HeldReason : null);
}
