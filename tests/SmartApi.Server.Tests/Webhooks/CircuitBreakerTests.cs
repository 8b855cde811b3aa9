using System.Net;
using Microsoft.Extensions.Time.Testing;
using SmartApi.Server.Webhooks.Delivery;
using SmartApi.Storage;
using SmartApi.Contracts;
using static SmartApi.Server.Tests.Webhooks.WebhookTestKit;

namespace SmartApi.Server.Tests.Webhooks;

/// <summary>
/// Throttling and circuit breaking per webhook (ADR 041), on the fake clock: a dead receiver gets one
/// probe per interval, a rate limit spaces requests over virtual time, and held deliveries are
/// postponed without using up retries.
/// </summary>
public sealed class CircuitBreakerTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private SmartApiApplication _app = null!;
    private HttpClient _client = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _app = await RetryTests.StartAppAsync(_time);
        (_, _client) = await _app.CreateTenantAsync("devices:write", "events:read", "automations:read", "automations:write");
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private async Task<string> TestEventAsync(string automationId)
    {
        var test = await (await _client.PostAsync($"/v1/automations/{automationId}/test", null, Ct)).ReadAsync(SmartApiJsonContext.Default.AutomationTestResponse);
        return Assert.Single(test.DeliveryIds);
    }

    private async Task<AutomationActionResponse> WebhookAsync(string automationId) =>
        Assert.Single((await (await _client.GetAsync($"/v1/automations/{automationId}", Ct)).ReadAsync(SmartApiJsonContext.Default.AutomationResponse)).Actions);

    /// <summary>Moves the clock on in steps, letting the engine act at each (claims poll once a second of fake time).</summary>
    private async Task AdvanceAsync(TimeSpan by, TimeSpan? step = null)
    {
        var each = step ?? TimeSpan.FromSeconds(1);
        for (var moved = TimeSpan.Zero; moved < by; moved += each)
        {
            _time.Advance(each);
            await Task.Delay(60, Ct);
        }
        await Task.Delay(200, Ct);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 150 && !condition(); i++)
        {
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task A_dead_receiver_opens_the_circuit_gets_one_probe_per_interval_and_recovers_on_success()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var healthy = false;
        receiver.Respond = (_, context) =>
        {
            context.Response.StatusCode = Volatile.Read(ref healthy) ? 200 : 500;
            return Task.CompletedTask;
        };
        await using var alerts = await WebhookReceiver.StartAsync();
        var automation = await CreateAutomationAsync(_client, receiver.Url, "\"automation.test\"",
            extra: ""","circuitBreaker":{"failureThreshold":3,"probeIntervalSeconds":10}""");
        await CreateAutomationAsync(_client, alerts.Url, "\"automation.webhook.failing\",\"automation.webhook.recovered\"");
        Assert.Equal(new WebhookCircuitState("closed", 0, null, null), (await WebhookAsync(automation.Id)).Circuit);

        var first = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            first.Add(await TestEventAsync(automation.Id));
            await DeliveryWhenAsync(_client, first[i], d => d.AttemptCount == 1);
        }
        var openedAt = _time.GetUtcNow();
        var failing = await alerts.NextAsync();
        Assert.Equal("automation.webhook.failing", failing.Header("X-Event-Type"));
        Assert.Contains($"\"automationId\":\"{automation.Id}\"", failing.Text, StringComparison.Ordinal);
        Assert.Contains("\"failureStreak\":3", failing.Text, StringComparison.Ordinal);
        var open = (await WebhookAsync(automation.Id)).Circuit!;
        Assert.Equal(("open", 3), (open.State, open.FailureStreak));
        Assert.InRange(open.NextProbeAt!.Value, openedAt.AddSeconds(10).AddMilliseconds(-1), openedAt.AddSeconds(10)); // stored in ms

        // While open, new deliveries are held, not attempted: no request, no retry used.
        var held = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            held.Add(await TestEventAsync(automation.Id));
        }
        foreach (var id in held)
        {
            var delivery = await DeliveryWhenAsync(_client, id, d => d.HeldBy == "circuit_open");
            Assert.Equal(("pending", 0), (delivery.Status, delivery.AttemptCount));
        }
        Assert.Equal(3, receiver.Count);

        // Three intervals with seven deliveries due (three retries, four held): one probe in each.
        for (var interval = 1; interval <= 3; interval++)
        {
            await AdvanceAsync(TimeSpan.FromSeconds(10));
            await WaitForAsync(() => receiver.Count >= 3 + interval);
            await Task.Delay(300, Ct);
            Assert.Equal(3 + interval, receiver.Count);
        }
        Assert.False(await alerts.AnyWithinAsync(TimeSpan.FromMilliseconds(100)));

        Volatile.Write(ref healthy, true);
        await AdvanceAsync(TimeSpan.FromSeconds(11));
        var recovered = await alerts.NextAsync();
        Assert.Equal("automation.webhook.recovered", recovered.Header("X-Event-Type"));
        var closed = (await WebhookAsync(automation.Id)).Circuit!;
        Assert.Equal(("closed", 0, null), (closed.State, closed.FailureStreak, closed.NextProbeAt));
        // Everything held goes out now; a failed probe's own retry waits its schedule (up to 30 min).
        await AdvanceAsync(TimeSpan.FromMinutes(40), TimeSpan.FromMinutes(1));
        var all = new List<DeliveryResponse>();
        foreach (var id in first.Concat(held))
        {
            all.Add(await DeliveryWhenAsync(_client, id, d => d.Status == "succeeded"));
        }
        Assert.All(all, d => Assert.Null(d.HeldBy));
        // 3 failures, 3 failed probes, 1 successful probe, then the 6 others: holding was never an attempt.
        Assert.Equal(13, receiver.Count);
        Assert.Equal(13, all.Sum(d => d.AttemptCount));
        // One event per transition: nothing more after the recovery.
        Assert.False(await alerts.AnyWithinAsync(TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task Deliveries_waiting_in_the_lane_when_the_circuit_opens_are_held_and_the_receiver_gets_only_probes()
    {
        await using var app = await RetryTests.StartAppAsync(_time, settings: new Dictionary<string, string?>
        {
            // One request at a time to the receiver: the burst queues in its lane, past the gate's first check.
            ["SmartApi:Webhooks:MaxConcurrencyPerHost"] = "1",
            // No retry within the test: every request after the burst is a probe.
            ["SmartApi:Webhooks:RetrySchedule:0"] = "01:00:00",
        });
        var (_, client) = await app.CreateTenantAsync("events:read", "automations:read", "automations:write");
        await using var receiver = await WebhookReceiver.StartAsync();
        var firstAnswer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        receiver.Respond = async (number, context) =>
        {
            if (number == 1)
            {
                // The first request holds the lane until the whole burst waits behind it.
                await firstAnswer.Task.WaitAsync(TimeSpan.FromSeconds(10), context.RequestAborted);
            }
            context.Response.StatusCode = 503;
        };
        var automation = await CreateAutomationAsync(client, receiver.Url, "\"automation.test\"",
            extra: ""","circuitBreaker":{"failureThreshold":5,"probeIntervalSeconds":10}""");
        var ids = new List<string>();
        for (var i = 0; i < 50; i++)
        {
            var test = await (await client.PostAsync($"/v1/automations/{automation.Id}/test", null, Ct)).ReadAsync(SmartApiJsonContext.Default.AutomationTestResponse);
            ids.Add(Assert.Single(test.DeliveryIds));
        }
        await WaitForAsync(() => receiver.Count >= 1);
        // Each delivery is dispatched at its commit; the clock stands still, so the gate's copy of the closed circuit stays fresh.
        await Task.Delay(300, Ct);
        Assert.Equal(1, receiver.Count);
        firstAnswer.SetResult();

        var burst = new List<DeliveryResponse>();
        foreach (var id in ids)
        {
            burst.Add(await DeliveryWhenAsync(client, id, d => d.AttemptCount > 0 || d.HeldBy == "circuit_open"));
        }
        // Five failures open the circuit; the 45 behind them in the lane are held, not sent.
        Assert.Equal(5, receiver.Count);
        Assert.Equal(5, burst.Count(d => d.AttemptCount == 1));
        Assert.Equal(45, burst.Count(d => (d.Status, d.AttemptCount, d.HeldBy) == ("pending", 0, "circuit_open")));
        var open = Assert.Single((await (await client.GetAsync($"/v1/automations/{automation.Id}", Ct)).ReadAsync(SmartApiJsonContext.Default.AutomationResponse)).Actions).Circuit!;
        Assert.Equal(("open", 5), (open.State, open.FailureStreak));

        // Then one probe per interval, with 45 deliveries due at each.
        for (var interval = 1; interval <= 2; interval++)
        {
            await AdvanceAsync(TimeSpan.FromSeconds(10));
            await WaitForAsync(() => receiver.Count >= 5 + interval);
            await Task.Delay(300, Ct);
            Assert.Equal(5 + interval, receiver.Count);
        }
    }

    [Fact]
    public async Task A_rate_limit_spaces_requests_over_virtual_time_without_failing_any()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var automation = await CreateAutomationAsync(_client, receiver.Url, "\"automation.test\"", extra: ""","rateLimit":{"perSecond":2,"burst":2}""");
        Assert.Equal(new WebhookRateLimit(2, 2), (await WebhookAsync(automation.Id)).RateLimit);
        var ids = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            ids.Add(await TestEventAsync(automation.Id));
        }
        // The clock stands still: the burst goes, the rest waits for its slot.
        await WaitForAsync(() => receiver.Count >= 2);
        await Task.Delay(300, Ct);
        Assert.Equal(2, receiver.Count);
        // The last is past the one-second in-memory wait: postponed in the outbox, shown as held, not attempted.
        var waiting = await DeliveryWhenAsync(_client, ids[9], d => d.HeldBy == "rate_limit");
        Assert.Equal(("pending", 0), (waiting.Status, waiting.AttemptCount));

        var elapsed = TimeSpan.Zero;
        while (receiver.Count < 10 && elapsed < TimeSpan.FromSeconds(20))
        {
            await AdvanceAsync(TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(500));
            elapsed += TimeSpan.FromMilliseconds(500);
            // A token bucket of 2 refilled at 2/s: never more than 2 + 2 per second so far.
            Assert.InRange(receiver.Count, 2, 2 + (int)(2 * elapsed.TotalSeconds));
        }
        Assert.Equal(10, receiver.Count);
        foreach (var id in ids)
        {
            var delivery = await DeliveryWhenAsync(_client, id, d => d.Status == "succeeded");
            Assert.Equal(1, delivery.AttemptCount);
        }
    }

    [Fact]
    public async Task Limits_default_to_an_enabled_circuit_and_no_rate_limit()
    {
        var automation = await CreateAutomationAsync(_client, new Uri("https://erp.example.com/hook"));
        var webhook = Assert.Single(automation.Actions);
        Assert.Null(webhook.RateLimit);
        Assert.Equal(new WebhookCircuitBreaker(true, 5, 30), webhook.CircuitBreaker);
        var off = Assert.Single((await CreateAutomationAsync(_client, new Uri("https://erp.example.com/hook"),
            extra: ""","circuitBreaker":{"enabled":false},"rateLimit":{"perSecond":0.5}""")).Actions);
        Assert.Equal(new WebhookCircuitBreaker(false), off.CircuitBreaker);
        Assert.Equal(new WebhookRateLimit(0.5, 1), off.RateLimit);
    }

    [Theory]
    [InlineData("'rateLimit':{'perSecond':0}", "actions[0].rateLimit.perSecond")]
    [InlineData("'rateLimit':{'burst':5}", "actions[0].rateLimit.perSecond")]
    [InlineData("'rateLimit':{'perSecond':10001}", "actions[0].rateLimit.perSecond")]
    [InlineData("'rateLimit':{'perSecond':5,'burst':0}", "actions[0].rateLimit.burst")]
    [InlineData("'circuitBreaker':{'failureThreshold':0}", "actions[0].circuitBreaker.failureThreshold")]
    [InlineData("'circuitBreaker':{'failureThreshold':101}", "actions[0].circuitBreaker.failureThreshold")]
    [InlineData("'circuitBreaker':{'probeIntervalSeconds':0}", "actions[0].circuitBreaker.probeIntervalSeconds")]
    [InlineData("'circuitBreaker':{'probeIntervalSeconds':3601}", "actions[0].circuitBreaker.probeIntervalSeconds")]
    public async Task Bad_limits_are_400_naming_the_field(string limits, string field)
    {
        var body = $$"""{"name":"x","trigger":{"events":["*"]},"actions":[{"type":"webhook","url":"https://erp.example.com/hook",{{limits.Replace('\'', '"')}}}]}""";
        var problem = await (await _client.PostJsonAsync("/v1/automations", body)).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task Limits_on_a_switch_action_or_unknown_members_are_400()
    {
        var device = await SmartApiApplication.CreateDeviceAsync(_client);
        var onSwitch = $$$"""{"name":"x","trigger":{"events":["*"]},"actions":[{"type":"switch","deviceId":"{{{device.Id}}}","state":"on","rateLimit":{"perSecond":1}}]}""";
        await (await _client.PostJsonAsync("/v1/automations", onSwitch)).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        var unknown = """{"name":"x","trigger":{"events":["*"]},"actions":[{"type":"webhook","url":"https://erp.example.com/hook","circuitBreaker":{"threshold":3}}]}""";
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.PostJsonAsync("/v1/automations", unknown)).StatusCode);
    }

    [Fact]
    public void Each_node_takes_its_share_of_the_rate_and_the_burst()
    {
        Assert.Equal((5.0, 10), RateLimiter.Share(new WebhookLimits(10, 20, 5, TimeSpan.FromSeconds(30)), 2));
        Assert.Equal((0.25, 1), RateLimiter.Share(new WebhookLimits(0.5, null, 5, TimeSpan.FromSeconds(30)), 2));
        Assert.Null(RateLimiter.Share(WebhookLimits.Default, 2));
    }
}
