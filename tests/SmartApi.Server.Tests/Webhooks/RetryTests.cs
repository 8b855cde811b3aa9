using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SmartApi.Contracts;
using static SmartApi.Server.Tests.Webhooks.WebhookTestKit;

namespace SmartApi.Server.Tests.Webhooks;

/// <summary>
/// Retries driven by a fake clock: the server's TimeProvider is a FakeTimeProvider, so a retry
/// happens when the test advances time, never by waiting for it.
/// </summary>
public sealed class RetryTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private SmartApiApplication _app = null!;
    private HttpClient _client = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _app = await StartAppAsync(_time);
        (_, _client) = await _app.CreateTenantAsync("devices:write", "events:read", "automations:read", "automations:write");
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    internal static Task<SmartApiApplication> StartAppAsync(FakeTimeProvider time, string? dataDirectory = null, IDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>(AllowLoopback);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }
        return SmartApiApplication.StartAsync(all, dataDirectory, builder => builder.Services.AddSingleton<TimeProvider>(time));
    }

    /// <summary>
    /// Moves the clock forward and returns the request that follows. The dispatcher arms its poll
    /// timer on the fake clock after each round; if the jump came just before that, the timer is
    /// armed past it, so the clock keeps stepping a second at a time until the request comes.
    /// </summary>
    private async Task<ReceivedRequest> AdvanceUntilReceivedAsync(WebhookReceiver receiver, TimeSpan by)
    {
        _time.Advance(by);
        for (var step = 0; step < 100; step++)
        {
            if (await receiver.AnyWithinAsync(TimeSpan.FromMilliseconds(100)))
            {
                return await receiver.NextAsync();
            }
            _time.Advance(TimeSpan.FromSeconds(1));
        }
        throw new TimeoutException("No request came while the clock moved on.");
    }

    private static Func<int, HttpContext, Task> Answer(params int[] statuses) => (number, context) =>
    {
        context.Response.StatusCode = statuses[Math.Min(number, statuses.Length) - 1];
        return Task.CompletedTask;
    };

    private async Task<string> TestEventAsync(string automationId)
    {
        var test = await (await _client.PostAsync($"/v1/automations/{automationId}/test", null, Ct)).ReadAsync(SmartApiJsonContext.Default.AutomationTestResponse);
        return Assert.Single(test.DeliveryIds);
    }

    [Fact]
    public async Task A_500_is_retried_after_the_first_scheduled_delay()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = Answer(500, 200);
        var automation = await CreateAutomationAsync(_client, receiver.Url);
        var deliveryId = await TestEventAsync(automation.Id);

        var first = await receiver.NextAsync();
        var failed = await DeliveryWhenAsync(_client, deliveryId, d => d.AttemptCount == 1);
        Assert.Equal("pending", failed.Status);
        Assert.Equal(500, failed.LastStatusCode);
        // 5 s +- 20 %.
        Assert.InRange(failed.NextAttemptAt!.Value - _time.GetUtcNow(), TimeSpan.FromSeconds(3.99), TimeSpan.FromSeconds(6.01));
        Assert.False(await receiver.AnyWithinAsync(TimeSpan.FromMilliseconds(200)));

        var second = await AdvanceUntilReceivedAsync(receiver, TimeSpan.FromSeconds(6.5));
        Assert.Equal(first.Header("X-Event-Id"), second.Header("X-Event-Id"));
        Assert.Equal(first.Header("X-Delivery-Id"), second.Header("X-Delivery-Id"));
        Assert.Equal("2", second.Header("X-Delivery-Attempt"));
        var delivered = await DeliveryWhenAsync(_client, deliveryId, d => d.Status == "succeeded");
        Assert.Equal([500, 200], delivered.Attempts!.Select(a => a.StatusCode!.Value));
    }

    [Fact]
    public async Task A_timeout_is_recorded_and_retried()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        receiver.Respond = async (number, context) =>
        {
            if (number == 1)
            {
                await hold.Task;
            }
            context.Response.StatusCode = 200;
        };
        var automation = await CreateAutomationAsync(_client, receiver.Url);
        var deliveryId = await TestEventAsync(automation.Id);

        await receiver.NextAsync();
        _time.Advance(TimeSpan.FromSeconds(10.5)); // the default per-attempt timeout is 10 s
        var timedOut = await DeliveryWhenAsync(_client, deliveryId, d => d.AttemptCount == 1);
        hold.SetResult();
        Assert.Equal("pending", timedOut.Status);
        var attempt = Assert.Single(timedOut.Attempts!);
        Assert.Null(attempt.StatusCode);
        Assert.Contains("Timed out", attempt.Error, StringComparison.Ordinal);

        await AdvanceUntilReceivedAsync(receiver, TimeSpan.FromSeconds(6.5));
        await DeliveryWhenAsync(_client, deliveryId, d => d.Status == "succeeded");
    }

    [Fact]
    public async Task A_refused_connection_is_retried_until_the_receiver_is_up()
    {
        var port = WebhookReceiver.FreePort();
        var url = new Uri($"http://127.0.0.1:{port}/hook");
        var automation = await CreateAutomationAsync(_client, url);
        var deliveryId = await TestEventAsync(automation.Id);

        var refused = await DeliveryWhenAsync(_client, deliveryId, d => d.AttemptCount == 1);
        Assert.Equal("pending", refused.Status);
        Assert.Null(refused.Attempts![0].StatusCode);
        Assert.False(string.IsNullOrEmpty(refused.Attempts[0].Error));

        await using var receiver = await WebhookReceiver.StartAsync(port: port);
        var request = await AdvanceUntilReceivedAsync(receiver, TimeSpan.FromSeconds(6.5));
        Assert.Equal("2", request.Header("X-Delivery-Attempt"));
        await DeliveryWhenAsync(_client, deliveryId, d => d.Status == "succeeded");
    }

    [Fact]
    public async Task Retry_After_is_honoured_within_bounds()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = (_, context) =>
        {
            context.Response.StatusCode = 429;
            context.Response.Headers.RetryAfter = "8";
            return Task.CompletedTask;
        };
        var automation = await CreateAutomationAsync(_client, receiver.Url);
        var deliveryId = await TestEventAsync(automation.Id);
        await receiver.NextAsync();
        var waiting = await DeliveryWhenAsync(_client, deliveryId, d => d.AttemptCount == 1);
        // Scheduled 4-6 s; asked 8 s, which is within twice the scheduled delay.
        Assert.InRange(waiting.NextAttemptAt!.Value - _time.GetUtcNow(), TimeSpan.FromSeconds(7.99), TimeSpan.FromSeconds(8.01));
    }

    [Fact]
    public async Task A_delivery_fails_after_the_last_scheduled_retry()
    {
        await using var app = await StartAppAsync(_time, settings: new Dictionary<string, string?>
        {
            ["SmartApi:Webhooks:RetrySchedule:0"] = "00:00:10",
            ["SmartApi:Webhooks:RetrySchedule:1"] = "00:00:20",
        });
        var (_, client) = await app.CreateTenantAsync("automations:read", "automations:write");
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = Answer(503);
        var automation = await CreateAutomationAsync(client, receiver.Url);
        var test = await (await client.PostAsync($"/v1/automations/{automation.Id}/test", null, Ct)).ReadAsync(SmartApiJsonContext.Default.AutomationTestResponse);
        var deliveryId = test.DeliveryIds[0];

        await receiver.NextAsync();
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var delivery = await DeliveryWhenAsync(client, deliveryId, d => d.AttemptCount == attempt);
            if (attempt < 3)
            {
                Assert.Equal("pending", delivery.Status);
                await AdvanceUntilReceivedAsync(receiver, delivery.NextAttemptAt!.Value - _time.GetUtcNow() + TimeSpan.FromSeconds(1));
            }
            else
            {
                Assert.Equal("failed", delivery.Status);
                Assert.Null(delivery.NextAttemptAt);
            }
        }
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.False(await receiver.AnyWithinAsync(TimeSpan.FromMilliseconds(300)));

        // Recovery queues failed deliveries again.
        receiver.Respond = Answer(200);
        var recovered = await client.PostJsonAsync($"/v1/automations/{automation.Id}/recover", $$"""{"since":"{{_time.GetUtcNow().AddHours(-1):yyyy-MM-ddTHH:mm:ssZ}}"}""");
        Assert.Equal(HttpStatusCode.Accepted, recovered.StatusCode);
        Assert.Equal(1, (await recovered.ReadAsync(SmartApiJsonContext.Default.RecoverResponse)).Queued);
        await receiver.NextAsync();
        await DeliveryWhenAsync(client, deliveryId, d => d.Status == "succeeded");
    }

    [Fact]
    public async Task A_webhook_failing_for_days_is_disabled()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = Answer(500);
        var automation = await CreateAutomationAsync(_client, receiver.Url);
        var deliveryId = await TestEventAsync(automation.Id);
        await receiver.NextAsync();
        await DeliveryWhenAsync(_client, deliveryId, d => d.AttemptCount == 1);

        // Still failing more than five days after the first failure: the next failure disables it.
        await AdvanceUntilReceivedAsync(receiver, TimeSpan.FromDays(5) + TimeSpan.FromMinutes(1));
        var final = await DeliveryWhenAsync(_client, deliveryId, d => d.AttemptCount == 2);
        Assert.Equal("failed", final.Status);
        var disabled = await (await _client.GetAsync($"/v1/automations/{automation.Id}", Ct)).ReadAsync(SmartApiJsonContext.Default.AutomationResponse);
        Assert.Equal(("disabled", "failing"), (disabled.Actions[0].Status, disabled.Actions[0].DisabledReason));
        var events = await (await _client.GetAsync("/v1/events?types=automation.disabled", Ct)).ReadAsync(SmartApiJsonContext.Default.PageEventResponse);
        Assert.Equal("failing", Assert.Single(events.Data).Data.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Ordered_webhooks_deliver_each_devices_events_in_order()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = Answer(500, 200, 200, 200);
        var device = await SmartApiApplication.CreateDeviceAsync(_client);
        var automation = await CreateAutomationAsync(_client, receiver.Url, "\"device.updated\"", extra: ""","ordered":true""");

        await _client.PatchJsonAsync($"/v1/devices/{device.Id}", """{"name":"first"}""");
        await _client.PatchJsonAsync($"/v1/devices/{device.Id}", """{"name":"second"}""");

        var first = await receiver.NextAsync();
        Assert.Contains("\"first\"", first.Text, StringComparison.Ordinal);
        await DeliveryWhenAsync(_client, first.Header("X-Delivery-Id"), d => d.AttemptCount == 1);
        // The second waits for the first, which waits for its retry.
        Assert.False(await receiver.AnyWithinAsync(TimeSpan.FromMilliseconds(300)));

        var retried = await AdvanceUntilReceivedAsync(receiver, TimeSpan.FromSeconds(6.5));
        Assert.Equal(first.Header("X-Event-Id"), retried.Header("X-Event-Id"));
        var second = await receiver.NextAsync();
        Assert.Contains("\"second\"", second.Text, StringComparison.Ordinal);
        Assert.True(automation.Actions[0].Ordered);
    }

    [Fact]
    public async Task A_restart_mid_delivery_loses_nothing()
    {
        var directory = Directory.CreateTempSubdirectory("smartapi-restart-").FullName;
        await using var receiver = await WebhookReceiver.StartAsync();
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        receiver.Respond = async (number, context) =>
        {
            if (number == 1)
            {
                await hold.Task; // the first host dies while this request is in flight
            }
            context.Response.StatusCode = 200;
        };
        string deliveryId;
        await using (var first = await StartAppAsync(_time, directory))
        {
            var automation = await CreateAutomationAsync(first.Admin, receiver.Url);
            var test = await (await first.Admin.PostAsync($"/v1/automations/{automation.Id}/test", null, Ct)).ReadAsync(SmartApiJsonContext.Default.AutomationTestResponse);
            deliveryId = Assert.Single(test.DeliveryIds);
            Assert.Equal(test.Event.Id, (await receiver.NextAsync()).Header("X-Event-Id"));
        }
        hold.SetResult();

        // A second host on the same data directory picks the delivery up once the dead host's lease lapses.
        await using var second = await StartAppAsync(_time, directory);
        var again = await AdvanceUntilReceivedAsync(receiver, TimeSpan.FromMinutes(2));
        Assert.Equal(deliveryId, again.Header("X-Delivery-Id"));
        var delivered = await DeliveryWhenAsync(second.Admin, deliveryId, d => d.Status == "succeeded");
        Assert.Single(delivered.Attempts!); // the interrupted attempt left no record; this one did
    }
}
