using Microsoft.OpenApi;
using Scalar.AspNetCore;
using SmartApi.Server.ApiKeys;

namespace SmartApi.Server.Infrastructure;

/// <summary>
/// Makes the generated OpenAPI 3.1 document exact: the API-key security scheme, the scope each
/// operation needs, and the problem responses every authenticated operation can give. The document
/// passes Redocly's recommended ruleset (server URL without a trailing slash, a described tag for
/// every group, a license); <c>.ci/run</c> lints it with the pinned Redocly CLI.
/// </summary>
internal static class OpenApiSetup
{
    private const string SchemeName = "ApiKey";

    /// <summary>Every tag an endpoint group declares (WithTags), with its description; a tag missing here fails the contract tests.</summary>
    public static readonly IReadOnlyDictionary<string, string> TagDescriptions = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["Organizations"] = "Tenants: every other resource belongs to exactly one organization. Managed with the admin scope.",
        ["API keys"] = "Keys that authenticate server-to-server calls: shown once, stored hashed, scoped and revocable.",
        ["Devices"] = "Smart power devices connected over MQTT: state, settings, tags and switch commands.",
        ["Measurements"] = "A device's telemetry: raw samples or power and energy aggregated by interval.",
        ["Energy"] = "Energy, power, on-time and cost per local hour, day, ISO week or month, for a device or across the organization.",
        ["Exports"] = "Measurements of many devices as one streamed CSV or Parquet file, resumable after any row.",
        ["Events"] = "The event log in order of occurrence: polling with a cursor, a live stream, and the event catalog.",
        ["Automations"] = "Rules that turn events, schedules and power thresholds into signed webhooks and switch commands.",
        ["Deliveries"] = "The log of webhook deliveries with every attempt, and retries.",
        ["Budgets"] = "Limits on a device's or a tag's energy or cost per local day or month, reported once per period as energy.budget_exceeded.",
        ["Portal sessions"] = "Short-lived URLs that let an integrator's customer manage some automations' webhooks in an embedded portal.",
        ["Tariffs"] = "Prices per kWh by validity period and time-of-use band, fixed fees, and the organization, tags and devices they apply to.",
    };

    /// <summary>
    /// /docs works offline and self-hosted: no hosted-service buttons (AI agent, MCP, the developer
    /// toolbar with Share, Generate SDK and Deploy), no telemetry, no fonts from a CDN; the script is
    /// the package's own embedded bundle. The API-key scheme is preselected for "Test Request", and filled in for a signed-in console user.
    /// </summary>
    public static async Task ConfigureDocsAsync(ScalarOptions options, HttpContext context)
    {
        ConfigureDocs(options);
        // A signed-in console user tries requests at once (ADR 032): the page carries the session's own
        // cs_ token, never the API key; it ends with the session, is never stored by the browser or a
        // proxy (no-store) nor by Scalar (no persistent authentication). Without a session: the page as always.
        if (WebConsole.ConsoleCookie.Read(context.Request) is not { } token
            || (await context.RequestServices.GetRequiredService<WebConsole.ConsoleSessionAuthenticator>()
                .AuthenticateAsync(token, context.RequestAborted)).Caller is null)
        {
            return;
        }
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers["Referrer-Policy"] = "no-referrer";
        // Scalar keeps authentication in local storage only when asked (EnablePersistentAuthentication): never here.
        options.AddHttpAuthentication(SchemeName, scheme => scheme.Token = token);
    }

    /// <summary>
    /// Scalar's default theme with every text colour at WCAG AA contrast (4.5:1) on the backgrounds it is
    /// drawn on, light and dark: the secondary and muted greys (search placeholder, tabs, line numbers),
    /// the accent and the HTTP-method and syntax colours. Important so it wins over the theme's own rules.
    /// </summary>
    internal const string AccessibleCss = """
        .light-mode {
          --scalar-color-2: #5c5c5c !important;
          --scalar-color-3: #636363 !important;
          --scalar-color-accent: #005fa3 !important;
          --scalar-color-green: #00704a !important;
          --scalar-color-yellow: #7a5500 !important;
          --scalar-color-orange: #a63a00 !important;
          --scalar-color-red: #c00000 !important;
          --scalar-color-blue: #005fa3 !important;
          --scalar-color-purple: #6d28d9 !important;
        }
        .dark-mode {
          --scalar-color-2: #a4a4a4 !important;
          --scalar-color-3: #9a9a9a !important;
        }
        """;

    /// <summary>
    /// Scalar's page has no <c>lang</c> on <c>&lt;html&gt;</c> and no option for it; /docs has no CSP and
    /// Scalar's own start-up script is inline too, so one inline line in the head sets it before the page renders.
    /// </summary>
    internal const string LanguageScript = "<script>document.documentElement.lang = 'en';</script>";

    private static void ConfigureDocs(ScalarOptions options) => options
        .WithTitle("Smart API")
        .WithCustomCss(AccessibleCss)
        .AddHeadContent(LanguageScript)
        .WithOpenApiRoutePattern("/openapi/{documentName}.json")
        .DisableDefaultFonts()
        .DisableAgent()
        .DisableMcp()
        .DisableTelemetry()
        .HideDeveloperTools()
        .HideClientButton()
        .WithDotNetFlag(false)
        .AddPreferredSecuritySchemes(SchemeName);

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
                    License = new OpenApiLicense { Name = "MIT", Identifier = "MIT" },
                };
                // The generator writes the request's base with a trailing slash; paths already start with one.
                foreach (var server in document.Servers ?? [])
                {
                    if (server.Url is { Length: > 1 } url && url.EndsWith('/'))
                    {
                        server.Url = url.TrimEnd('/');
                    }
                }
                foreach (var tag in document.Tags ?? new HashSet<OpenApiTag>())
                {
                    if (tag.Name is { } name && TagDescriptions.TryGetValue(name, out var description))
                    {
                        tag.Description = description;
                    }
                }
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
                    [new OpenApiSecuritySchemeReference(SchemeName, context.Document)] = scope.Scope == RequiredScope.AnyKey ? [] : [scope.Scope],
                });
                operation.Description = scope.Scope switch
                {
                    RequiredScope.AnyKey => "Any API key, whatever its scopes.",
                    Scopes.Admin => "Requires the `admin` scope.",
                    _ => $"Requires the `{scope.Scope}` scope (or `admin`).",
                };
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
