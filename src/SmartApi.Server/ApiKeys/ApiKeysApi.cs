using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using SmartApi.Contracts;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.ApiKeys;

internal static class ApiKeysApi
{
    /// <summary>
    /// The SPEC's <c>admin</c> is "everything, including organizations": whichever organization holds
    /// the key, it lists, creates and manages every organization and creates keys in any of them.
    /// Said in the answer that shows the secret, so nobody hands one out as an organization's own key.
    /// </summary>
    public const string AdminWarning =
        "This key holds the admin scope, which is platform-wide: it can manage every organization on this server " +
        "and create keys in any of them, not only in its own. Give organizations keys without admin.";

    public static RouteGroupBuilder MapApiKeys(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/api-keys").WithTags("API keys").RequireScope(Scopes.KeysManage);
        group.MapPost("/", Create).WithName("CreateApiKey").WithSummary("Create an API key; its secret is shown once.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/", List).WithName("ListApiKeys").WithSummary("List the organization's API keys.");
        group.MapGet("/{id}", Get).WithName("GetApiKey").WithSummary("Get an API key.").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/{id}/revoke", Revoke).WithName("RevokeApiKey").WithSummary("Revoke an API key at once.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<Results<Created<ApiKeyResponse>, ProblemHttpResult>> Create(
        CreateApiKeyRequest request, ClaimsPrincipal user, ISmartApiStore store, ApiKeyService keys, CancellationToken cancellationToken)
    {
        var caller = user.Caller();
        var errors = new ValidationErrors();
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 200)
        {
            errors.Add("name", "name is required, 1-200 characters.");
        }
        var scopes = request.Scopes?.Distinct(StringComparer.Ordinal).ToList() ?? [];
        if (scopes.Count == 0)
        {
            errors.Add("scopes", $"scopes is required: one or more of {string.Join(", ", Scopes.All)}.");
        }
        foreach (var scope in scopes.Where(s => !Scopes.All.Contains(s)))
        {
            errors.Add("scopes", $"'{scope}' is not a scope; use {string.Join(", ", Scopes.All)}.");
        }
        if (errors.Any)
        {
            return errors.ToProblem();
        }
        // No escalation: a key can only hand out what it holds itself.
        var missing = scopes.Where(s => !caller.Has(s) || (s == Scopes.Admin && !caller.IsAdmin)).ToList();
        if (missing.Count > 0)
        {
            return Problems.Forbidden($"A key cannot grant scopes it does not hold: {string.Join(", ", missing)}.");
        }
        var organizationId = caller.OrganizationId;
        if (request.OrganizationId is { } target && target != caller.OrganizationId)
        {
            if (!caller.IsAdmin)
            {
                return Problems.Forbidden("Only admin keys can create keys in another organization.");
            }
            if (await store.GetOrganizationAsync(target, cancellationToken) is null)
            {
                return Problems.NotFound("organization", target);
            }
            organizationId = target;
        }
        var (key, secret) = await keys.CreateAsync(organizationId, name!, scopes, secret: null, cancellationToken);
        return TypedResults.Created($"/v1/api-keys/{key.Id}", ToResponse(key, null) with
        {
            Key = secret,
            Warning = scopes.Contains(Scopes.Admin) ? AdminWarning : null,
        });
    }

    private static async Task<Results<Ok<Page<ApiKeyResponse>>, ProblemHttpResult>> List(
        ClaimsPrincipal user, ISmartApiStore store, ApiKeyUsageTracker usage, int? limit, string? after, CancellationToken cancellationToken)
    {
        if (!Paging.TryCreate(limit, after, "key", out var page, out var problem))
        {
            return problem!;
        }
        var result = await store.ListApiKeysAsync(user.Caller().OrganizationId, page, cancellationToken);
        return TypedResults.Ok(Paging.ToPage(result, k => ToResponse(k, usage), k => k.Id));
    }

    private static async Task<Results<Ok<ApiKeyResponse>, ProblemHttpResult>> Get(
        string id, ClaimsPrincipal user, ISmartApiStore store, ApiKeyUsageTracker usage, CancellationToken cancellationToken)
    {
        var key = await store.GetApiKeyAsync(user.Caller().OrganizationId, id, cancellationToken);
        return key is null ? Problems.NotFound("API key", id) : TypedResults.Ok(ToResponse(key, usage));
    }

    private static async Task<Results<Ok<ApiKeyResponse>, ProblemHttpResult>> Revoke(
        string id, ClaimsPrincipal user, ISmartApiStore store, ApiKeyService keys, ApiKeyUsageTracker usage, CancellationToken cancellationToken)
    {
        var caller = user.Caller();
        var existing = await store.GetApiKeyAsync(caller.OrganizationId, id, cancellationToken);
        if (existing is null)
        {
            return Problems.NotFound("API key", id);
        }
        // The no-escalation rule works both ways: a key cannot revoke a key more powerful than itself.
        if (!caller.IsAdmin && existing.Scopes.Any(s => !caller.Has(s) || s == Scopes.Admin))
        {
            return Problems.Forbidden("A key cannot revoke a key holding scopes it does not hold itself.");
        }
        var key = await keys.RevokeAsync(caller.OrganizationId, id, cancellationToken);
        return key is null ? Problems.NotFound("API key", id) : TypedResults.Ok(ToResponse(key, usage));
    }

    private static ApiKeyResponse ToResponse(ApiKey key, ApiKeyUsageTracker? usage)
    {
        var lastUsed = key.LastUsedAt;
        if (usage?.PendingUse(key.Id) is { } pending && (lastUsed is null || pending > lastUsed))
        {
            lastUsed = pending;
        }
        return new ApiKeyResponse(key.Id, key.OrganizationId, key.Name, key.Prefix, key.Scopes, key.CreatedAt, lastUsed, key.RevokedAt);
    }
}
