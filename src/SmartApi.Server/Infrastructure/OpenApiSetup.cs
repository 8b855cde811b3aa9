using Microsoft.OpenApi;
using SmartApi.Server.ApiKeys;

namespace SmartApi.Server.Infrastructure;

/// <summary>
/// Makes the generated OpenAPI 3.1 document exact: the API-key security scheme, the scope each
/// operation needs, and the problem responses every authenticated operation can give.
/// </summary>
internal static class OpenApiSetup
{
    private const string SchemeName = "ApiKey";

    public static IServiceCollection AddSmartApiOpenApi(this IServiceCollection services) =>
        services.AddOpenApi("v1", options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Smart API",
                    Version = "v1",
                    Description = "Server-to-server REST API for smart power devices. Authenticate with an API key: " +
                        "`Authorization: Bearer <key>` (or `X-API-Key: <key>`). Errors are RFC 9457 problem+json with a stable `code`.",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[SchemeName] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "An API key (sk_...), also accepted in the X-API-Key header.",
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                var scope = context.Description.ActionDescriptor.EndpointMetadata.OfType<RequiredScope>().LastOrDefault();
                if (scope is null)
                {
                    return Task.CompletedTask;
                }
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement
                {
                    [new OpenApiSecuritySchemeReference(SchemeName, context.Document)] = [scope.Scope],
                });
                operation.Description = scope.Scope == Scopes.Admin ? "Requires the `admin` scope." : $"Requires the `{scope.Scope}` scope (or `admin`).";
                operation.Responses ??= new OpenApiResponses();
                AddProblem(operation, "400", "The request is not valid (malformed JSON, bad parameter, validation).");
                AddProblem(operation, "401", "No API key, or an unknown or revoked one.");
                AddProblem(operation, "403", "The API key lacks the scope this operation needs, or (creates) the organization's quota is reached: code quota_exceeded.");
                AddProblem(operation, "429", "The API key's request rate is exceeded (code rate_limited); see Retry-After and the RateLimit fields.");
                if (context.Description.HttpMethod is "POST")
                {
                    operation.Parameters ??= [];
                    operation.Parameters.Add(new OpenApiParameter
                    {
                        Name = IdempotencyFilter.Header,
                        In = ParameterLocation.Header,
                        Required = false,
                        Description = "Send the same key with the same body again (within 24 h) to get the first response instead of acting twice.",
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = IdempotencyFilter.MaxKeyLength },
                    });
                    AddProblem(operation, "409", "A request with the same Idempotency-Key is still being handled (or another conflict).");
                    AddProblem(operation, "422", "The Idempotency-Key was used with another request body.");
                }
                if (context.Description.HttpMethod is "POST" or "PATCH" or "PUT")
                {
                    AddProblem(operation, "413", "The request body is too large.");
                    AddProblem(operation, "415", "The request body is not application/json.");
                }
                return Task.CompletedTask;
            });
        });

    private static void AddProblem(OpenApiOperation operation, string status, string description)
    {
        if (operation.Responses!.ContainsKey(status))
        {
            return;
        }
        operation.Responses[status] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference("ProblemDetails") },
            },
        };
    }
}
