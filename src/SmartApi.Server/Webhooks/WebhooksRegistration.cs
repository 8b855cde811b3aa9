using Microsoft.Extensions.Options;
using SmartApi.Server.Infrastructure;
using SmartApi.Server.Webhooks.Delivery;

namespace SmartApi.Server.Webhooks;

internal static class WebhooksRegistration
{
    /// <summary>Webhook secrets and headers, the SSRF policy, and the delivery engine with its HTTP client.</summary>
    public static IServiceCollection AddWebhooks(this IServiceCollection services)
    {
        services.AddValidatedOptions<WebhookOptions, WebhookOptionsValidator>(WebhookOptions.Section);
        services.AddSingleton<NetworkPolicy>();
        services.AddSingleton<SecretProtector>();
        services.AddSingleton<SigningSecrets>();
        services.AddSingleton<CustomHeaders>();
        services.AddSingleton<CustomHeaderMigration>();
        services.AddSingleton<WebhookSender>();
        services.AddSingleton<DeliveryGate>();
        services.AddHostedService<DeliveryDispatcher>();
        services.AddSingleton<WebhookMetrics>();
        services.AddHttpClient(WebhookSender.ClientName)
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
                UseProxy = false,
                AutomaticDecompression = System.Net.DecompressionMethods.None,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                MaxConnectionsPerServer = sp.GetRequiredService<IOptions<WebhookOptions>>().Value.MaxConcurrencyPerHost,
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
        return services;
    }
}
