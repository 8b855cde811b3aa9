using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using SmartApi.Contracts;
using SmartApi.Server.ApiKeys;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Deliveries;

internal static class DeliveriesApi
{
    private static readonly string[] Statuses = [DeliveryStatus.Pending, DeliveryStatus.Succeeded, DeliveryStatus.Failed];

    public static RouteGroupBuilder MapDeliveries(this IEndpointRouteBuilder routes)
    {
        var deliveries = routes.MapGroup("/v1/deliveries").WithTags("Deliveries");
        var read = deliveries.MapGroup("").RequireScope(Scopes.AutomationsRead);
        read.MapGet("/", List).WithName("ListDeliveries").WithSummary("List webhook deliveries, newest last.");
        read.MapGet("/{id}", Get).WithName("GetDelivery").WithSummary("Get a delivery with every attempt.").ProducesProblem(StatusCodes.Status404NotFound);
        deliveries.MapPost("/{id}/retry", Retry).RequireScope(Scopes.AutomationsWrite).WithName("RetryDelivery")
            .WithSummary("Send a delivery again now.").ProducesProblem(StatusCodes.Status404NotFound);
        return deliveries;
    }

    /// <param name="automationId">Only deliveries of this automation.</param>
    /// <param name="eventId">Only deliveries of this event.</param>
    /// <param name="status">pending, succeeded or failed.</param>
    private static async Task<Results<Ok<Page<DeliveryResponse>>, ProblemHttpResult>> List(
        ClaimsPrincipal user, ISmartApiStore store, string? automationId, string? eventId, string? status, int? limit, string? after,
        CancellationToken cancellationToken)
    {
        if (!Paging.TryCreate(limit, after, "dlv", out var page, out var problem))
        {
            return problem!;
        }
        var errors = new ValidationErrors();
        if (status is not null && !Statuses.Contains(status))
        {
            errors.Add("status", "status must be pending, succeeded or failed.");
        }
        if (automationId is not null && !IdGenerator.IsWellFormed(automationId, "aut"))
        {
            errors.Add("automationId", "automationId must be an automation id (aut_...).");
        }
        if (eventId is not null && !IdGenerator.IsWellFormed(eventId, "evt"))
        {
            errors.Add("eventId", "eventId must be an event id (evt_...).");
        }
        if (errors.Any)
        {
            return errors.ToProblem();
        }
        var organizationId = user.Caller().OrganizationId;
        var result = await store.ListDeliveriesAsync(organizationId, new DeliveryFilter(automationId, eventId, status), page, cancellationToken);
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
            return Problems.NotFound("delivery", id);
        }
        var delivery = (await store.GetDeliveryAsync(organizationId, id, cancellationToken))!;
        var urls = await UrlsAsync(store, [delivery], cancellationToken);
        return TypedResults.Accepted($"/v1/deliveries/{id}", ToResponse(delivery, urls.GetValueOrDefault(delivery.WebhookId, ""), null));
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
        attempts?.Select(a => new DeliveryAttemptResponse(a.Number, a.StartedAt, a.StatusCode, a.DurationMs, a.Error, a.ResponseBody)).ToList());
}
