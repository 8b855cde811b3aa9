using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SmartApi.Contracts;
using SmartApi.Server.Infrastructure;
using static SmartApi.Server.Tests.Webhooks.WebhookTestKit;

namespace SmartApi.Server.Tests.Webhooks;

public sealed class MetricsAndRetentionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Metrics_count_deliveries_in_prometheus_format()
    {
        await using var app = await SmartApiApplication.StartAsync(AllowLoopback);
        await using var receiver = await WebhookReceiver.StartAsync();
        var automation = await CreateAutomationAsync(app.Admin, receiver.Url);
        var test = await (await app.Admin.PostAsync($"/v1/automations/{automation.Id}/test", null, Ct)).ReadAsync(SmartApiJsonContext.Default.AutomationTestResponse);
        await receiver.NextAsync();
        await DeliveryWhenAsync(app.Admin, test.DeliveryIds[0], d => d.Status == "succeeded");

        // Each instrument is recorded at its own moment of the delivery, and a scrape may be cached
        // briefly: poll until every series this test expects is there (or the deadline passes).
        string[] series = ["outcome=\"succeeded\"", "smartapi_webhook_delivery_latency_seconds_bucket", "smartapi_webhook_queue_depth"];
        var deadline = DateTime.UtcNow.AddSeconds(10);
        string text;
        do
        {
            var response = await app.CreateClient().GetAsync("/metrics", Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            text = await response.Content.ReadAsStringAsync(Ct);
        }
        while (!series.All(s => text.Contains(s, StringComparison.Ordinal)) && DateTime.UtcNow < deadline);

        // At least this delivery (the tests share one process, so one meter name counts several hosts).
        Assert.Matches(@"smartapi_webhook_deliveries_total\{[^}]*outcome=""succeeded""[^}]*\} [1-9]", text);
        Assert.Contains("smartapi_webhook_delivery_latency_seconds_bucket", text, StringComparison.Ordinal);
        Assert.Contains("smartapi_webhook_queue_depth", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retention_deletes_old_events_and_finished_deliveries_but_keeps_pending_ones()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await RetryTests.StartAppAsync(time);
        await using var receiver = await WebhookReceiver.StartAsync();
        var automation = await CreateAutomationAsync(app.Admin, receiver.Url);
        var delivered = await (await app.Admin.PostAsync($"/v1/automations/{automation.Id}/test", null, Ct)).ReadAsync(SmartApiJsonContext.Default.AutomationTestResponse);
        await receiver.NextAsync();
        await DeliveryWhenAsync(app.Admin, delivered.DeliveryIds[0], d => d.Status == "succeeded");

        // A delivery still in flight when retention runs: its event must stay.
        await using var hanging = await WebhookReceiver.StartAsync();
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hanging.Respond = async (_, _) => await hold.Task;
        var slow = await CreateAutomationAsync(app.Admin, hanging.Url);
        var pending = await (await app.Admin.PostAsync($"/v1/automations/{slow.Id}/test", null, Ct)).ReadAsync(SmartApiJsonContext.Default.AutomationTestResponse);
        await hanging.NextAsync();

        // Advancing the clock also fires the periodic job; running it here as well makes the test
        // independent of when that run finishes (pruning twice deletes nothing more).
        time.Advance(TimeSpan.FromDays(31));
        await app.Services.GetRequiredService<RetentionService>().PruneAsync(Ct);

        await (await app.Admin.GetAsync($"/v1/events/{delivered.Event.Id}", Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await app.Admin.GetAsync($"/v1/deliveries/{delivered.DeliveryIds[0]}", Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Equal(HttpStatusCode.OK, (await app.Admin.GetAsync($"/v1/events/{pending.Event.Id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Admin.GetAsync($"/v1/deliveries/{pending.DeliveryIds[0]}", Ct)).StatusCode);
        hold.SetResult();
        // Newer data is untouched.
        var device = await SmartApiApplication.CreateDeviceAsync(app.Admin);
        await app.Services.GetRequiredService<RetentionService>().PruneAsync(Ct);
        var events = await (await app.Admin.GetAsync($"/v1/events?deviceId={device.Id}", Ct)).ReadAsync(SmartApiJsonContext.Default.PageEventResponse);
        Assert.Equal("device.created", Assert.Single(events.Data).Type);
    }
}
