using Microsoft.AspNetCore.Http.HttpResults;
using SmartApi.Contracts;
using SmartApi.Server.ApiKeys;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Organizations;

internal static class OrganizationsApi
{
    public static RouteGroupBuilder MapOrganizations(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/organizations").WithTags("Organizations").RequireScope(Scopes.Admin);
        group.MapPost("/", Create).WithName("CreateOrganization").WithSummary("Create an organization (admin).");
        group.MapGet("/", List).WithName("ListOrganizations").WithSummary("List organizations (admin).");
        group.MapGet("/{id}", Get).WithName("GetOrganization").WithSummary("Get an organization (admin).")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<Results<Created<OrganizationResponse>, ProblemHttpResult>> Create(
        CreateOrganizationRequest request, OrganizationService organizations, CancellationToken cancellationToken)
    {
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 200)
        {
            return Problems.Validation("name", "name is required, 1-200 characters.");
        }
        var organization = await organizations.CreateAsync(name, cancellationToken);
        return TypedResults.Created($"/v1/organizations/{organization.Id}", ToResponse(organization));
    }

    private static async Task<Results<Ok<Page<OrganizationResponse>>, ProblemHttpResult>> List(
        ISmartApiStore store, int? limit, string? after, CancellationToken cancellationToken)
    {
        if (!Paging.TryCreate(limit, after, "org", out var page, out var problem))
        {
            return problem!;
        }
        var result = await store.ListOrganizationsAsync(page, cancellationToken);
        return TypedResults.Ok(Paging.ToPage(result, ToResponse, o => o.Id));
    }

    private static async Task<Results<Ok<OrganizationResponse>, ProblemHttpResult>> Get(
        string id, ISmartApiStore store, CancellationToken cancellationToken) =>
        await store.GetOrganizationAsync(id, cancellationToken) is { } organization
            ? TypedResults.Ok(ToResponse(organization))
            : Problems.NotFound("organization", id);

    private static OrganizationResponse ToResponse(Organization o) => new(o.Id, o.Name, o.CreatedAt);
}

internal sealed class OrganizationService(ISmartApiStore store, IdGenerator ids, TimeProvider time)
{
    public Organization New(string name) => new(ids.New("org"), name, time.GetUtcNow());

    public async Task<Organization> CreateAsync(string name, CancellationToken cancellationToken)
    {
        var organization = New(name);
        await store.WriteAsync(async tx =>
        {
            await tx.InsertOrganizationAsync(organization);
            return organization;
        }, cancellationToken);
        return organization;
    }
}
