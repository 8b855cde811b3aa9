using SmartApi.Server.Infrastructure;

namespace SmartApi.Server.Organizations;

internal static class OrganizationsRegistration
{
    /// <summary>Organizations, their limits (server defaults overridden per organization) and the request rate limiter built on them.</summary>
    public static IServiceCollection AddOrganizations(this IServiceCollection services)
    {
        services.AddValidatedOptions<LimitOptions, LimitOptionsValidator>(LimitOptions.Section);
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
        return services;
    }
}
