using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using SmartApi.Server.Mqtt;
using SmartApi.Server.Webhooks.Delivery;
using SmartApi.Storage;

namespace SmartApi.Server.Infrastructure;

internal static class ObservabilityRegistration
{
    /// <summary>
    /// The webhook and gateway meters, exported for Prometheus (<c>/metrics</c>) always; traces and
    /// metrics over OTLP only when the standard <c>OTEL_*</c> variables ask for them (ADR 039). With
    /// tracing off no tracer provider exists, so no span source has a listener and the hot paths
    /// start nothing.
    /// </summary>
    public static IServiceCollection AddObservability(this IServiceCollection services, IConfiguration configuration)
    {
        var otlp = OtlpSignals.From(configuration);
        var telemetry = services.AddOpenTelemetry();
        if (otlp.Traces || otlp.Metrics)
        {
            telemetry.ConfigureResource(resource => resource.AddService(configuration["OTEL_SERVICE_NAME"] ?? "smart-api"));
        }
        telemetry.WithMetrics(metrics =>
        {
            metrics.AddMeter(WebhookMetrics.MeterName).AddMeter(GatewayMetrics.MeterName).AddPrometheusExporter();
            if (otlp.Metrics)
            {
                metrics.AddOtlpExporter();
            }
        });
        if (otlp.Traces)
        {
            telemetry.WithTracing(tracing => tracing.AddSmartApiSources().AddOtlpExporter());
        }
        return services;
    }

    /// <summary>The server's span sources and ASP.NET Core's request spans (the root of an API call's trace).</summary>
    public static TracerProviderBuilder AddSmartApiSources(this TracerProviderBuilder tracing) =>
        tracing.AddSource(Tracing.SourceName, StorageTracing.SourceName)
            // Health checks and scrapes would otherwise be most of the spans.
            .AddAspNetCoreInstrumentation(o => o.Filter = context =>
                !context.Request.Path.StartsWithSegments("/metrics") && !context.Request.Path.StartsWithSegments("/health"));
}

/// <summary>
/// Which signals go over OTLP, read the way the OpenTelemetry specification defines the variables:
/// an endpoint (general or per signal) turns a signal on unless its <c>OTEL_*_EXPORTER</c> says
/// otherwise; <c>OTEL_*_EXPORTER=otlp</c> turns it on with the default endpoint;
/// <c>OTEL_SDK_DISABLED=true</c> turns both off.
/// </summary>
internal readonly record struct OtlpSignals(bool Traces, bool Metrics)
{
    public static OtlpSignals From(IConfiguration configuration)
    {
        if (string.Equals(configuration["OTEL_SDK_DISABLED"], "true", StringComparison.OrdinalIgnoreCase))
        {
            return default;
        }
        var endpoint = !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        return new(
            On(configuration["OTEL_TRACES_EXPORTER"], endpoint || !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"])),
            On(configuration["OTEL_METRICS_EXPORTER"], endpoint || !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"])));
    }

    private static bool On(string? exporter, bool endpoint) =>
        string.IsNullOrWhiteSpace(exporter)
            ? endpoint
            : exporter.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Contains("otlp", StringComparer.OrdinalIgnoreCase);
}
