using System.Security.Claims;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using SmartApi.Contracts;
using SmartApi.Server.ApiKeys;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Portal;

/// <summary>
/// <c>/v1/portal-sessions</c>: short-lived URLs an integrator embeds for a customer, who then manages
/// only the chosen automations' webhooks (ADR 029). Managing them needs <c>automations:write</c>, the
/// power a session hands on; the session also reads automations and deliveries, so <c>automations:read</c> too.
/// </summary>
internal static partial class PortalSessionsApi
{
    public const string CurrentEndpoint = "GetCurrentPortalSession";
    public const int MaxAutomations = 50;
    public const int DefaultExpiresIn = 900;
    public const int MinExpiresIn = 60;
    public const int MaxExpiresIn = 3600;
    public const int MaxBrandName = 100;

    public static RouteGroupBuilder MapPortalSessions(this IEndpointRouteBuilder routes)
    {
        var sessions = routes.MapGroup("/v1/portal-sessions").WithTags("Portal sessions");
        sessions.MapGet("/current", GetCurrent).RequireScope(Scopes.AutomationsRead).WithName(CurrentEndpoint)
            .WithSummary("The portal session of the calling portal token: its automations, brand and expiry.")
            .WithDescription("Called with a portal token (pt_...), as the portal page does; an API key has no current session (404).")
            .ProducesProblem(StatusCodes.Status404NotFound);

        var manage = sessions.MapGroup("").RequireScope(Scopes.AutomationsWrite);
        manage.MapPost("/", Create).WithName("CreatePortalSession")
            .WithSummary("Create a portal session; the response's url (with the portal token in its fragment) is shown once.");
        manage.MapGet("/", List).WithName("ListPortalSessions").WithSummary("List the organization's portal sessions, oldest first.");
        manage.MapGet("/{id}", Get).WithName("GetPortalSession").WithSummary("Get a portal session.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        manage.MapDelete("/{id}", Revoke).WithName("RevokePortalSession")
            .WithSummary("Revoke a portal session: at once on this node, within 30 seconds on the others.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return sessions;
    }

    private static async Task<Results<Created<PortalSessionResponse>, ProblemHttpResult>> Create(
        CreatePortalSessionRequest request, HttpContext http, ClaimsPrincipal user, ISmartApiStore store, IdGenerator ids, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var caller = user.Caller();
        if (!caller.Has(Scopes.AutomationsRead))
        {
            return Problems.Forbidden("A portal session reads automations and deliveries: the API key needs automations:read too.");
        }
        var errors = new ValidationErrors();
        var automationIds = request.AutomationIds?.Distinct(StringComparer.Ordinal).ToList() ?? [];
        if (automationIds.Count is 0 or > MaxAutomations)
        {
            errors.Add("automationIds", $"automationIds is required: 1-{MaxAutomations} automation ids of this organization.");
        }
        else
        {
            foreach (var id in automationIds)
            {
                if (!IdGenerator.IsWellFormed(id, "aut") || await store.GetAutomationAsync(caller.OrganizationId, id, cancellationToken) is null)
                {
                    errors.Add("automationIds", $"No automation with id '{id}' exists.");
                }
            }
        }
        var expiresIn = request.ExpiresIn ?? DefaultExpiresIn;
        if (expiresIn is < MinExpiresIn or > MaxExpiresIn)
        {
            errors.Add("expiresIn", $"expiresIn is in seconds: {MinExpiresIn}-{MaxExpiresIn} (default {DefaultExpiresIn}).");
        }
        var brandName = request.Brand?.Name?.Trim();
        if (brandName is not null && (brandName.Length is 0 or > MaxBrandName || brandName.Any(char.IsControl)))
        {
            errors.Add("brand.name", $"brand.name is 1-{MaxBrandName} characters, without control characters.");
        }
        var accent = request.Brand?.AccentColor;
        if (accent is not null && !AccentColor().IsMatch(accent))
        {
            errors.Add("brand.accentColor", "brand.accentColor is a colour as #RRGGBB, such as #1A73E8.");
        }
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var token = PortalAuthenticator.NewToken();
        var now = time.GetUtcNow();
        var session = new PortalSession(ids.New("ps"), caller.OrganizationId, ApiKeySecrets.Hash(token), automationIds, brandName, accent,
            caller.KeyId, now, now.AddSeconds(expiresIn), null);
        await store.WriteAsync(async tx =>
        {
            await tx.InsertPortalSessionAsync(session);
            return true;
        }, cancellationToken);
        // The token rides in the fragment: browsers never send it to a server, a log or a Referer.
        var url = $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}/portal#{token}";
        return TypedResults.Created($"/v1/portal-sessions/{session.Id}", ToResponse(session) with { Url = url });
    }

    private static async Task<Results<Ok<Page<PortalSessionResponse>>, ProblemHttpResult>> List(
        ClaimsPrincipal user, IPortalSessionStore store, int? limit, string? after, CancellationToken cancellationToken)
    {
        if (!Paging.TryCreate(limit, after, "ps", out var page, out var problem))
        {
            return problem!;
        }
        var result = await store.ListPortalSessionsAsync(user.Caller().OrganizationId, page, cancellationToken);
        return TypedResults.Ok(Paging.ToPage(result, ToResponse, s => s.Id));
    }

    private static async Task<Results<Ok<PortalSessionResponse>, ProblemHttpResult>> Get(
        string id, ClaimsPrincipal user, IPortalSessionStore store, CancellationToken cancellationToken) =>
        await store.GetPortalSessionAsync(user.Caller().OrganizationId, id, cancellationToken) is { } session
            ? TypedResults.Ok(ToResponse(session))
            : Problems.NotFound("portal session", id);

    private static async Task<Results<Ok<PortalSessionResponse>, ProblemHttpResult>> GetCurrent(
        ClaimsPrincipal user, IPortalSessionStore store, CancellationToken cancellationToken)
    {
        var caller = user.Caller();
        return caller.AutomationIds is not null && await store.GetPortalSessionAsync(caller.OrganizationId, caller.KeyId, cancellationToken) is { } session
            ? TypedResults.Ok(ToResponse(session))
            : Problems.NotFound("portal session", "current");
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Revoke(
        string id, ClaimsPrincipal user, ISmartApiStore store, PortalAuthenticator portal, TimeProvider time, CancellationToken cancellationToken)
    {
        var organizationId = user.Caller().OrganizationId;
        if (await store.GetPortalSessionAsync(organizationId, id, cancellationToken) is null)
        {
            return Problems.NotFound("portal session", id);
        }
        // Revoking twice is not an error: the session stays revoked from the first time.
        await store.WriteAsync(tx => tx.RevokePortalSessionAsync(organizationId, id, time.GetUtcNow()), cancellationToken);
        portal.Evict(id);
        return TypedResults.NoContent();
    }

    private static PortalSessionResponse ToResponse(PortalSession session) => new(
        session.Id, session.OrganizationId, session.AutomationIds,
        session.BrandName is null && session.BrandAccentColor is null ? null : new PortalBrand(session.BrandName, session.BrandAccentColor),
        session.CreatedAt, session.ExpiresAt, session.RevokedAt);

    [GeneratedRegex("^#[0-9A-Fa-f]{6}$")]
    private static partial Regex AccentColor();
}
