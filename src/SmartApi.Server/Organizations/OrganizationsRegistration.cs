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
        return services;
    }
}
