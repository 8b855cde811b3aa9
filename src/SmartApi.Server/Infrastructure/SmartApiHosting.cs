using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Scalar.AspNetCore;
using SmartApi.Server.ApiKeys;
using SmartApi.Server.Automations;
using SmartApi.Server.Budgets;
using SmartApi.Server.WebConsole;
using SmartApi.Server.Deliveries;
using SmartApi.Server.Devices;
using SmartApi.Server.Energy;
using SmartApi.Server.Events;
using SmartApi.Server.Exports;
using SmartApi.Server.Measurements;
using SmartApi.Server.Mqtt;
using SmartApi.Server.Organizations;
using SmartApi.Server.Portal;
using SmartApi.Server.Tariffs;
using SmartApi.Server.Webhooks;

namespace SmartApi.Server.Infrastructure;

/// <summary>The server's services and middleware; Program.cs and the test host both use these two methods.</summary>
internal static class SmartApiHosting
{
    public const string DefaultUrl = "http://127.0.0.1:8080";

    /// <summary>
    /// The table of contents: one line per feature, each registering its options (bound and
    /// validated from its own section), services and hosted services (XxxRegistration.cs in the
    /// feature's folder).
    /// </summary>
    /// <remarks>
    /// The order of the lines matters for hosted services: they start one after the other in the
    /// order registered here and stop in reverse. Storage starts first (migrations, bootstrap key);
    /// the automation scheduler before telemetry (it loads the power trigger index); telemetry before
    /// the MQTT gateway that feeds it; then the runner, the delivery engine and retention. The
    /// framework's own hosted services keep their places too: the health check publisher
    /// (<c>AddStorage</c>) right after storage, OpenTelemetry's (<c>AddObservability</c>) last.
    /// </remarks>
    public static WebApplicationBuilder AddSmartApi(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        services.AddHttpApi();           // Infrastructure: JSON, problem+json, OpenAPI, body size, idempotency
        services.AddStorage();           // Infrastructure: the store; hosted: StorageInitializer
        services.AddApiKeys();           // hosted: ApiKeyUsageTracker
        services.AddPortal();            // portal tokens beside API keys (ADR 029)
        services.AddOrganizations();     // limits and the request rate limiter
        services.AddEvents();
        services.AddDevices();
        services.AddAutomations();       // hosted: AutomationScheduler
        services.AddMeasurements();      // hosted: TelemetryIngestor
        services.AddTariffs();           // tariffs and the energy pricing they implement
        services.AddEnergy();            // statistics over the energy rollups
        services.AddMqttGateway();       // hosted: MqttTransport, DeviceConfigPublisher, DeviceRemoval, CommandDispatcher, EnergyReporter
        services.AddAutomationRuns();    // hosted: AutomationRunner
        services.AddWebhooks();          // hosted: DeliveryDispatcher
        services.AddBudgets();           // hosted: BudgetMonitor
        services.AddRetention();         // Infrastructure; hosted: RetentionService
        services.AddObservability(builder.Configuration); // Infrastructure: metrics (/metrics), traces and metrics over OTLP when OTEL_* asks
        builder.AddConsole();            // the web console at /: Razor components, sessions, Data Protection keys
        return builder;
    }

    public static WebApplication MapSmartApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        // Before authorization: a caller over its rate gets 429 before any other work (a wrong key's 401 included).
        var rateLimits = app.Services.GetRequiredService<RequestRateLimits>();
        app.Use(rateLimits.LoadLimitsAsync);
        app.Use(rateLimits.LimitAsync);
        app.UseAuthorization();
        app.UsePortalAccess();
        app.Use(IdempotencyFilter.BufferBodyAsync);

        // Probes, scrapes and documentation are not the API: never rate limited.
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).DisableRateLimiting();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") }).DisableRateLimiting();
        app.MapOpenApi("/openapi/{documentName}.json").DisableRateLimiting();
        app.MapPrometheusScrapingEndpoint("/metrics").DisableRateLimiting();
        app.MapScalarApiReference("/docs", OpenApiSetup.ConfigureDocsAsync).DisableRateLimiting();

        // Every endpoint of the API. A bound body is first checked for nulls its contract does not
        // allow (before the idempotency filter, so a refused body claims no key). POSTs honour
        // Idempotency-Key; that filter is attached to them only, so reads keep the filter-free fast path.
        var api = app.MapGroup("");
        ((IEndpointConventionBuilder)api).Add(endpoint =>
        {
            RequestBodyNulls.AddTo(endpoint);
            if (endpoint.Metadata.OfType<HttpMethodMetadata>().Any(m => m.HttpMethods.Contains(HttpMethods.Post)))
            {
                endpoint.FilterFactories.Add((context, next) =>
                {
                    var filter = context.ApplicationServices.GetRequiredService<IdempotencyFilter>();
                    return invocation => filter.InvokeAsync(invocation, next);
                });
            }
        });
        api.MapOrganizations();
        api.MapApiKeys();
        api.MapDevices();
        api.MapMeasurements();
        api.MapEnergy();
        api.MapExports();
        api.MapEvents();
        api.MapAutomations();
        api.MapDeliveries();
        api.MapPortalSessions();
        api.MapTariffs();
        api.MapBudgets();
        app.MapBrokerAuth();       // /mqtt/auth and /mqtt/acl for an external broker (EMQX), outside the API
        app.MapConsole();
        return app;
    }
}
