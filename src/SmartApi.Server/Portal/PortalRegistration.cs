using SmartApi.Server.Infrastructure;

namespace SmartApi.Server.Portal;

internal static class PortalRegistration
{
    /// <summary>Portal tokens (authenticated beside API keys), the restriction that narrows them, and who may embed the page.</summary>
    public static IServiceCollection AddPortal(this IServiceCollection services)
    {
        services.AddValidatedOptions<PortalOptions, PortalOptionsValidator>(PortalOptions.Section);
        services.AddSingleton<PortalAuthenticator>();
        services.AddSingleton<PortalAccess>();
        return services;
    }

    /// <summary>Enforces portal sessions' restriction: after authorization, before any endpoint runs.</summary>
    public static IApplicationBuilder UsePortalAccess(this IApplicationBuilder app)
    {
        var access = app.ApplicationServices.GetRequiredService<PortalAccess>();
        return app.Use(access.InvokeAsync);
    }
}
