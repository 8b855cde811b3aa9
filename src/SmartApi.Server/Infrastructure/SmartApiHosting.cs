using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using Scalar.AspNetCore;
using SmartApi.Contracts;
using SmartApi.Server.ApiKeys;
using SmartApi.Server.Automations;
using SmartApi.Server.Deliveries;
using SmartApi.Server.Webhooks;
using SmartApi.Server.Webhooks.Delivery;
using SmartApi.Server.Devices;
using SmartApi.Server.Events;
using SmartApi.Server.Measurements;
using SmartApi.Server.Mqtt;
using SmartApi.Server.Organizations;
using SmartApi.Storage;
using SmartApi.Storage.Postgres;
using SmartApi.Storage.Sqlite;

namespace SmartApi.Server.Infrastructure;

/// <summary>The server's services and middleware; Program.cs and the test host both use these two methods.</summary>
internal static class SmartApiHosting
{
    public const string DefaultUrl = "http://127.0.0.1:8080";

    public static WebApplicationBuilder AddSmartApi(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        services.AddOptions<SmartApiOptions>().BindConfiguration(SmartApiOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SmartApiOptions>, SmartApiOptionsValidator>();
        services.AddOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>()
            .Configure<IOptions<SmartApiOptions>>((kestrel, smart) => kestrel.Limits.MaxRequestBodySize = smart.Value.Http.MaxRequestBodySize);
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IdGenerator>();
        services.AddSingleton<ISmartApiStore>(CreateStore);
        services.AddHostedService<StorageInitializer>();

        services.ConfigureHttpJsonOptions(o => SmartApiJsonContext.Configure(o.SerializerOptions));
        services.AddProblemDetails(o => o.CustomizeProblemDetails = ErrorHandling.Customize);
        // After the framework's writer: used only when that one declines (Accept: text/event-stream).
        services.AddSingleton<IProblemDetailsWriter, ProblemJsonFallbackWriter>();
        services.AddExceptionHandler<ErrorHandling>();
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddSmartApiOpenApi();
        services.AddHealthChecks().AddCheck<StorageHealthCheck>("storage", tags: ["ready"]);

        services.AddAuthentication(ApiKeyAuthentication.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null);
        services.AddAuthorization(o => o.AddScopePolicies());
        services.AddSingleton<ApiKeyAuthenticator>();
        services.AddSingleton<ApiKeyUsageTracker>();
        services.AddHostedService(sp => sp.GetRequiredService<ApiKeyUsageTracker>());
        services.AddSingleton<ApiKeyService>();
        services.AddSingleton<OrganizationService>();
        services.AddSingleton<OrganizationLimits>();
        services.AddSingleton<RequestRateLimits>();
        services.AddRateLimiter(_ => { });
        services.AddOptions<Microsoft.AspNetCore.RateLimiting.RateLimiterOptions>().Configure<RequestRateLimits>((o, limits) =>
        {
            o.GlobalLimiter = limits.Limiter;
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = limits.OnRejectedAsync;
        });

        services.AddSingleton<EventFactory>();
        services.AddSingleton<EventLogSignal>();
        services.AddSingleton<EventStreamLimiter>();
        services.AddSingleton<EventStreamer>();
        services.AddSingleton<DeviceService>();
        services.AddSingleton<TelemetryIngestor>();
        // Before the ingestor: the scheduler loads the power trigger index while starting.
        services.AddHostedService(sp => sp.GetRequiredService<AutomationScheduler>());
        services.AddHostedService(sp => sp.GetRequiredService<TelemetryIngestor>());
        services.AddMqttGateway();

        services.AddSingleton<NetworkPolicy>();
        services.AddSingleton<SecretProtector>();
        services.AddSingleton<SigningSecrets>();
        services.AddSingleton<CustomHeaders>();
        services.AddSingleton<CustomHeaderMigration>();
        services.AddSingleton<RuleValidation>();
        services.AddSingleton<AutomationValidation>();
        services.AddSingleton<AutomationService>();
        services.AddSingleton<PowerTriggers>();
        services.AddSingleton<RunExecutor>();
        services.AddSingleton<AutomationScheduler>();
        services.AddHostedService<AutomationRunner>();
        services.AddSingleton<WebhookSender>();
        services.AddHostedService<DeliveryDispatcher>();
        services.AddSingleton<WebhookMetrics>();
        services.AddSingleton<RetentionService>();
        services.AddSingleton<IdempotencyFilter>();
        services.AddHostedService(sp => sp.GetRequiredService<RetentionService>());
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(WebhookMetrics.MeterName)
            .AddMeter(GatewayMetrics.MeterName)
            .AddPrometheusExporter());
        services.AddHttpClient(WebhookSender.ClientName)
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
                UseProxy = false,
                AutomaticDecompression = System.Net.DecompressionMethods.None,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                MaxConnectionsPerServer = sp.GetRequiredService<IOptions<SmartApiOptions>>().Value.Webhooks.MaxConcurrencyPerHost,
                // Only the first 1 KiB of a response is kept; past a short body the connection is
                // closed rather than read on (the default drains up to 1 MB from each response).
                MaxResponseDrainSize = WebhookSender.MaxResponseDrainBytes,
                ConnectCallback = sp.GetRequiredService<NetworkPolicy>().ConnectAsync,
            })
            // One handler for the process: the pool is the point, and the SSRF check runs per connection anyway.
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan)
            // Every attempt is recorded in delivery_attempts; four log lines per request cost a
            // tenth of the throughput and most of the p99.
            .RemoveAllLoggers();
        return builder;
    }

    /// <summary>The configured provider's store; the container disposes it (both are IAsyncDisposable).</summary>
    private static ISmartApiStore CreateStore(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<SmartApiOptions>>().Value;
        var time = services.GetRequiredService<TimeProvider>();
        return options.Storage.Provider == "postgres"
            ? new PostgresSmartApiStore(new PostgresStorageOptions { ConnectionString = options.Storage.ConnectionString! }, time)
            : new SqliteSmartApiStore(new SqliteStorageOptions { ConnectionString = options.SqliteConnectionString }, time);
    }

    public static WebApplication MapSmartApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        // Before authorization: a caller over its rate gets 429 before any other work (a wrong key's 401 included).
        var rateLimits = app.Services.GetRequiredService<RequestRateLimits>();
        app.Use(rateLimits.LoadLimitsAsync);
        app.UseRateLimiter();
        app.Use(rateLimits.AddHeadersAsync);
        app.UseAuthorization();
        app.Use(IdempotencyFilter.BufferBodyAsync);

        // Probes, scrapes and documentation are not the API: never rate limited.
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).DisableRateLimiting();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") }).DisableRateLimiting();
        app.MapOpenApi("/openapi/{documentName}.json").DisableRateLimiting();
        app.MapPrometheusScrapingEndpoint("/metrics").DisableRateLimiting();
        app.MapScalarApiReference("/docs", o => o
            .WithTitle("Smart API")
            .WithOpenApiRoutePattern("/openapi/{documentName}.json")
            .DisableDefaultFonts()).DisableRateLimiting();

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
        api.MapEvents();
        api.MapAutomations();
        api.MapDeliveries();
        return app;
    }
}

internal sealed class StorageHealthCheck(ISmartApiStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            if (!await store.PingAsync(cancellationToken))
            {
                return HealthCheckResult.Unhealthy("storage did not answer");
            }
            // Reads still work (a full disk, say): the node serves them, so it stays in rotation
            // (Degraded answers 200), but says so until a write commits again.
            return store.Faults.WritesFailing ? HealthCheckResult.Degraded("writes are failing: storage unavailable (disk full?)") : HealthCheckResult.Healthy();
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy("storage failed", ex);
        }
    }
}
