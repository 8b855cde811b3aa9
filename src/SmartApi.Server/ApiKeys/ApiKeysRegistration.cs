using Microsoft.AspNetCore.Authentication;
using SmartApi.Server.Infrastructure;

namespace SmartApi.Server.ApiKeys;

internal static class ApiKeysRegistration
{
    /// <summary>API key authentication, scope policies, key management and the batched last-used tracker.</summary>
    public static IServiceCollection AddApiKeys(this IServiceCollection services)
    {
        services.AddValidatedOptions<ApiKeyOptions, ApiKeyOptionsValidator>(ApiKeyOptions.Section);
        services.AddAuthentication(ApiKeyAuthentication.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null);
        services.AddAuthorization(o => o.AddScopePolicies());
        services.AddSingleton<ApiKeyAuthenticator>();
        services.AddSingleton<ApiKeyUsageTracker>();
        services.AddHostedService(sp => sp.GetRequiredService<ApiKeyUsageTracker>());
        services.AddSingleton<ApiKeyService>();
        return services;
    }
}
