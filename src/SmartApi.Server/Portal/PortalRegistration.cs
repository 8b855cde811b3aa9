namespace SmartApi.Server.Portal;

internal static class PortalRegistration
{
    /// <summary>Portal tokens (authenticated beside API keys) and the restriction that narrows them.</summary>
    public static IServiceCollection AddPortal(this IServiceCollection services)
    {
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
