using System.Diagnostics.Metrics;

namespace SmartApi.Server.Webhooks.Delivery;

/// <summary>
/// Delivery metrics, exported at <c>/metrics</c> in Prometheus text format:
/// <c>smartapi_webhook_deliveries_total{outcome="succeeded|failed|retried"}</c>,
/// <c>smartapi_webhook_queue_depth</c> (pending deliveries, refreshed every few seconds) and
/// <c>smartapi_webhook_delivery_latency_seconds</c> (event creation to a successful delivery).
/// </summary>
internal sealed class WebhookMetrics
{
    public const string MeterName = "SmartApi.Webhooks";
    private readonly Counter<long> _deliveries;
    private readonly Histogram<double> _latency;
    private long _queueDepth;

    public WebhookMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _deliveries = meter.CreateCounter<long>("smartapi.webhook.deliveries", description: "Delivery attempts by outcome.");
        _latency = meter.CreateHistogram<double>("smartapi.webhook.delivery_latency", unit: "s",
            description: "From the event's creation to its successful delivery.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 300, 3600, 86400] });
        meter.CreateObservableGauge("smartapi.webhook.queue_depth", () => Interlocked.Read(ref _queueDepth), description: "Pending deliveries.");
    }

    public void Succeeded(TimeSpan sinceEvent)
    {
        _deliveries.Add(1, new KeyValuePair<string, object?>("outcome", "succeeded"));
        _latency.Record(Math.Max(0, sinceEvent.TotalSeconds));
    }

    public void Failed() => _deliveries.Add(1, new KeyValuePair<string, object?>("outcome", "failed"));

    public void Retried() => _deliveries.Add(1, new KeyValuePair<string, object?>("outcome", "retried"));

    public void SetQueueDepth(long depth) => Interlocked.Exchange(ref _queueDepth, depth);
}
