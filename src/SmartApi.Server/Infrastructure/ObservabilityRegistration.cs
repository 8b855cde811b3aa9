using OpenTelemetry.Metrics;
using SmartApi.Server.Mqtt;
using SmartApi.Server.Webhooks.Delivery;

namespace SmartApi.Server.Infrastructure;

internal static class ObservabilityRegistration
{
    /// <summary>The webhook and gateway meters, exported for Prometheus (<c>/metrics</c>).</summary>
    public static IServiceCollection AddObservability(this IServiceCollection services)
    {
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(WebhookMetrics.MeterName)
            .AddMeter(GatewayMetrics.MeterName)
            .AddPrometheusExporter());
        return services;
    }
}
