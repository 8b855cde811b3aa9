using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Net.Http.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using SmartApi.Server.Infrastructure;
using SmartApi.Server.Tests.Mqtt;
using SmartApi.Server.Tests.Webhooks;
using SmartApi.Contracts;
using static SmartApi.Server.Tests.Webhooks.WebhookTestKit;

namespace SmartApi.Server.Tests.Observability;

/// <summary>
/// A tracer provider listens to every source of its name in the process, so these tests run
/// alone: a traced server would otherwise add spans and a traceparent to other tests' servers.
/// </summary>
[CollectionDefinition(nameof(TracingCollection), DisableParallelization = true)]
public sealed class TracingCollection;

[Collection(nameof(TracingCollection))]
public sealed class TracingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task One_device_message_is_one_trace_from_the_mqtt_message_through_the_append_to_the_run_and_the_receiver(string provider)
    {
        var spans = new SpanCollection();
        await using var receiver = await WebhookReceiver.StartAsync();
        var port = MqttTestKit.FreePort();
        await using var app = await SmartApiApplication.StartAsync(new Dictionary<string, string?>
        {
            ["SmartApi:Mqtt:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["SmartApi:Mqtt:BindAddress"] = "127.0.0.1",
            ["SmartApi:Webhooks:AllowPrivateNetworks"] = "true",
        }, configure: builder => builder.Services.AddOpenTelemetry().WithTracing(t => t.AddSmartApiSources().AddInMemoryExporter(spans)), provider: provider);
        var (_, client) = await app.CreateTenantAsync("devices:write", "automations:read", "automations:write");
        var automation = await CreateAutomationAsync(client, receiver.Url, events: "\"device.switched\"");
        var (device, password) = await MqttTestKit.CreateDeviceAsync(client);
        // An engine rule on the same event: its run is the event's other child.
        var lamp = await SmartApiApplication.CreateDeviceAsync(client);
        var engine = await client.PostJsonAsync("/v1/automations", $$"""
            {"name":"Follow","trigger":{"events":["device.switched"],"deviceIds":["{{device.Id}}"]},
             "actions":[{"type":"switch","deviceId":"{{lamp.Id}}","state":"on"}]}
            """);
        Assert.Equal(System.Net.HttpStatusCode.Created, engine.StatusCode);
        var follow = (await engine.Content.ReadFromJsonAsync(SmartApiJsonContext.Default.AutomationResponse, Ct))!;
        await using var mqtt = await MqttTestKit.ConnectAsync(port, device.Serial, password, subscribe: false);

        await mqtt.PublishAsync(DeviceTopics.State, """{"switch":"on","source":"button"}""");
        var request = await receiver.NextAsync();

        Assert.Equal("device.switched", request.Header("X-Event-Type"));
        Assert.True(ActivityContext.TryParse(request.Header("traceparent"), null, out var sent), request.Header("traceparent"));
        var attempt = await spans.WaitForAsync(s => s.OperationName == "webhook.deliver" && s.TraceId == sent.TraceId);
        var run = await spans.WaitForAsync(s => s.OperationName == "automation.run" && s.TraceId == sent.TraceId);
        var trace = spans.Snapshot().Where(s => s.TraceId == sent.TraceId).ToList();
        var message = Assert.Single(trace, s => s.OperationName == "mqtt state");
        var write = Assert.Single(trace, s => s.OperationName == "store.write" && s.ParentSpanId == message.SpanId);

        // The tree: the message is the root, the unit that appended the event its child, and the
        // attempt (whose own context the receiver got) the unit's child, though sent after the commit.
        Assert.Equal(default, message.ParentSpanId);
        Assert.Equal(ActivityKind.Consumer, message.Kind);
        Assert.Equal(device.Id, message.GetTagItem("smartapi.device.id"));
        Assert.Equal(write.SpanId, attempt.ParentSpanId);
        Assert.Equal(sent.SpanId, attempt.SpanId);
        Assert.Equal(ActivityKind.Client, attempt.Kind);
        Assert.Equal(automation.Id, attempt.GetTagItem("smartapi.automation.id"));
        Assert.Equal(request.Header("X-Delivery-Id"), attempt.GetTagItem("smartapi.delivery.id"));
        Assert.Equal(request.Header("X-Event-Id"), attempt.GetTagItem("smartapi.event.id"));
        Assert.Equal(200, attempt.GetTagItem("http.response.status_code"));
        Assert.Equal(ActivityStatusCode.Unset, attempt.Status);
        Assert.Equal(write.SpanId, run.ParentSpanId);
        // The run's own unit (its command) is the run's child, in the same trace.
        Assert.Single(trace, s => s.OperationName == "store.write" && s.ParentSpanId == run.SpanId);
        // So is the receiver's request span: it continued the traceparent it was sent.
        Assert.Contains(trace, s => s.Kind == ActivityKind.Server && s.ParentSpanId == attempt.SpanId);
        Assert.Equal(follow.Id, run.GetTagItem("smartapi.automation.id"));
        // The attempt is recorded with what it sent, traceparent included.
        var delivery = await DeliveryWhenAsync(client, request.Header("X-Delivery-Id"), d => d.Status == "succeeded");
        Assert.Equal(request.Header("traceparent"), Assert.Single(delivery.Attempts!).RequestHeaders!["traceparent"]);
    }

    [Fact]
    public async Task Spans_reach_an_otlp_http_endpoint_configured_by_the_otel_variables()
    {
        await using var collector = await WebhookReceiver.StartAsync();
        await using var app = await SmartApiApplication.StartAsync(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Url.GetLeftPart(UriPartial.Authority),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
            ["OTEL_METRICS_EXPORTER"] = "none",
            ["OTEL_SERVICE_NAME"] = "smart-api-otlp-test",
        });
        var (_, client) = await app.CreateTenantAsync("devices:write");
        // The caller's own trace: the API request continues it, so its id is known here.
        var traceId = ActivityTraceId.CreateRandom();
        client.DefaultRequestHeaders.Add("traceparent", $"00-{traceId.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");

        await SmartApiApplication.CreateDeviceAsync(client);

        var traceBytes = Convert.FromHexString(traceId.ToHexString());
        var storeWrite = "store.write"u8.ToArray();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var export = await collector.NextAsync(deadline - DateTime.UtcNow);
            Assert.Equal("/v1/traces", export.Path);
            Assert.Equal("application/x-protobuf", export.Header("Content-Type"));
            if (export.Body.AsSpan().IndexOf(traceBytes) >= 0 && export.Body.AsSpan().IndexOf(storeWrite) >= 0)
            {
                Assert.True(export.Body.AsSpan().IndexOf("smart-api-otlp-test"u8) >= 0, "the service name from OTEL_SERVICE_NAME");
                break;
            }
        }
    }

    [Fact]
    public async Task With_no_otel_variables_nothing_listens_and_webhooks_carry_no_traceparent_not_even_a_stored_custom_one()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = await SmartApiApplication.StartAsync(AllowLoopback);
        var (_, client) = await app.CreateTenantAsync("devices:write", "automations:read", "automations:write");
        var automation = await CreateAutomationAsync(client, receiver.Url, events: "\"device.created\"", extra: ""","headers":{"X-Tenant":"acme"}""");
        await PlantTraceContextHeadersAsync(app, automation.Id);

        await SmartApiApplication.CreateDeviceAsync(client);
        var request = await receiver.NextAsync();

        Assert.False(Tracing.Source.HasListeners());
        Assert.Equal("", request.Header("traceparent"));
        Assert.Equal("", request.Header("tracestate"));
        Assert.Equal("acme", request.Header("X-Tenant"));
        Assert.Null(app.Services.GetService<TracerProvider>());
    }

    [Fact]
    public async Task A_stored_custom_traceparent_is_replaced_by_the_attempts_own_when_tracing_is_on()
    {
        var spans = new SpanCollection();
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = await SmartApiApplication.StartAsync(AllowLoopback,
            configure: builder => builder.Services.AddOpenTelemetry().WithTracing(t => t.AddSmartApiSources().AddInMemoryExporter(spans)));
        var (_, client) = await app.CreateTenantAsync("devices:write", "automations:read", "automations:write");
        var automation = await CreateAutomationAsync(client, receiver.Url, events: "\"device.created\"", extra: ""","headers":{"X-Tenant":"acme"}""");
        await PlantTraceContextHeadersAsync(app, automation.Id);

        await SmartApiApplication.CreateDeviceAsync(client);
        var request = await receiver.NextAsync();

        Assert.True(ActivityContext.TryParse(request.Header("traceparent"), null, out var sent), request.Header("traceparent"));
        Assert.NotEqual(PlantedTraceParent, request.Header("traceparent"));
        var attempt = await spans.WaitForAsync(s => s.OperationName == "webhook.deliver" && s.TraceId == sent.TraceId);
        Assert.Equal(attempt.SpanId, sent.SpanId);
        Assert.DoesNotContain("planted", request.Header("tracestate"), StringComparison.Ordinal);
        Assert.Equal("acme", request.Header("X-Tenant"));
    }

    private const string PlantedTraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    /// <summary>
    /// What a webhook saved before validation refused trace context headers looks like: a custom
    /// traceparent and tracestate stored (in clear, as an earlier version kept values) beside X-Tenant.
    /// </summary>
    private static async Task PlantTraceContextHeadersAsync(SmartApiApplication app, string automationId)
    {
        var store = app.Services.GetRequiredService<SmartApi.Storage.ISmartApiStore>();
        var webhook = Assert.Single(await store.ListWebhooksAsync(automationId, Ct));
        var planted = webhook.HeadersJson.TrimEnd('}') + $$""","traceparent":"{{PlantedTraceParent}}","tracestate":"planted=1"}""";
        Assert.True(await store.WriteAsync(tx => tx.ReplaceWebhookHeadersAsync(webhook.Id, webhook.HeadersJson, planted), Ct));
        // Saving an automation drops the routing snapshot, so the next append's hand-off reads the planted row.
        await CreateAutomationAsync(app.Admin, new Uri("http://127.0.0.1:9/unrelated"), events: "\"command.expired\"");
    }

    /// <summary>The exporter's list, safe to read while the server's threads add to it.</summary>
    private sealed class SpanCollection : Collection<Activity>
    {
        public List<Activity> Snapshot()
        {
            lock (this)
            {
                return [.. Items];
            }
        }

        public async Task<Activity> WaitForAsync(Func<Activity, bool> match)
        {
            for (var i = 0; i < 200; i++)
            {
                if (Snapshot().FirstOrDefault(match) is { } found)
                {
                    return found;
                }
                await Task.Delay(50, Ct);
            }
            throw new TimeoutException("No such span was exported.");
        }

        protected override void InsertItem(int index, Activity item)
        {
            lock (this)
            {
                base.InsertItem(index, item);
            }
        }
    }

    [Theory]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318", true, true)]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318;OTEL_SDK_DISABLED=true", false, false)]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318;OTEL_METRICS_EXPORTER=none", true, false)]
    [InlineData("OTEL_TRACES_EXPORTER=otlp", true, false)]
    [InlineData("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT=http://127.0.0.1:4318/v1/metrics", false, true)]
    [InlineData("", false, false)]
    public void The_standard_variables_decide_which_signals_export(string variables, bool traces, bool metrics)
    {
        var settings = variables.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(v => v.Split('=', 2)).ToDictionary(v => v[0], v => (string?)v[1]);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

        Assert.Equal(new OtlpSignals(traces, metrics), OtlpSignals.From(configuration));
    }
}
