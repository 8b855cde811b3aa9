using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using SmartApi.Contracts;

namespace SmartApi.Server.Infrastructure;

internal static class HttpApiRegistration
{
    /// <summary>What every endpoint shares: body size limit, JSON, problem+json errors, OpenAPI and the idempotency filter.</summary>
    public static IServiceCollection AddHttpApi(this IServiceCollection services)
    {
        services.AddValidatedOptions<HttpOptions, HttpOptionsValidator>(HttpOptions.Section);
        // Kestrel's options are resolved while the app is built, so this is where a configuration
        // mistake surfaces first. Every section is checked here, not only this one, so that the
        // mistake is reported in full at that point (as when all settings were one options class).
        services.AddOptions<KestrelServerOptions>().Configure<IServiceProvider>((kestrel, sp) =>
        {
            ConfigurationErrors.ValidateNow(sp);
            kestrel.Limits.MaxRequestBodySize = sp.GetRequiredService<IOptions<HttpOptions>>().Value.MaxRequestBodySize;
        });
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));

        services.ConfigureHttpJsonOptions(o => SmartApiJsonContext.Configure(o.SerializerOptions));
        services.AddProblemDetails(o => o.CustomizeProblemDetails = ErrorHandling.Customize);
        // After the framework's writer: used only when that one declines (Accept: text/event-stream).
        services.AddSingleton<IProblemDetailsWriter, ProblemJsonFallbackWriter>();
        services.AddExceptionHandler<ErrorHandling>();
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddSmartApiOpenApi();
        services.AddSingleton<IdempotencyFilter>();
        return services;
    }
}
