using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SmartApi.Contracts;
using static SmartApi.Server.Tests.Webhooks.WebhookTestKit;

namespace SmartApi.Server.Tests.Webhooks;

/// <summary>
/// Webhook retries (due 5 minutes after a failed attempt) while the server's wall clock is stepped
/// by an hour: back, the retry is not lost and goes out once when the clock again reaches its due
/// time; forward, every due retry goes out once.
/// </summary>
public sealed class RetryClockStepTests : IAsyncLifetime
{
    private readonly SteppedClock _clock = new(new FakeTimeProvider(DateTimeOffset.UtcNow));
    private SmartApiApplication _app = null!;
    private HttpClient _client = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var settings = new Dictionary<string, string?>(AllowLoopback) { ["SmartApi:Webhooks:RetrySchedule:0"] = "00:05:00" };
        _app = await SmartApiApplication.StartAsync(settings, configure: builder => builder.Services.AddSingleton<TimeProvider>(_clock));
        (_, _client) = await _app.CreateTenantAsync("devices:write", "events:read", "automations:read", "automations:write");
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private static Func<int, HttpContext, Task> FailFirst(int failures) => (number, context) =>
    {
        context.Response.StatusCode = number <= failures ? 500 : 200;
        return Task.CompletedTask;
    };

    private async Task<string> TestEventAsync(string automationId)
    {
        var test = await (await _client.PostAsync($"/v1/automations/{automationId}/test", null, Ct)).ReadAsync(SmartApiJsonContext.Default.AutomationTestResponse);
        return Assert.Single(test.DeliveryIds);
    }

    /// <summary>Moves the monotonic clock (and the wall clock with it) a second at a time until <paramref name="done"/> holds.</summary>
    private async Task TickUntilAsync(Func<bool> done, int maxSeconds = 60)
    {
        for (var i = 0; i < maxSeconds && !done(); i++)
        {
            _clock.Fake.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(30, Ct);
        }
        Assert.True(done(), "not reached while the clock moved on");
    }

    private async Task TickAsync(int seconds)
    {
        for (var i = 0; i < seconds; i++)
        {
            _clock.Fake.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(50, Ct);
        }
    }

    [Fact]
    public async Task A_retry_survives_a_step_back_and_goes_out_once_when_the_clock_reaches_its_due_time_again()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = FailFirst(1);
        var automation = await CreateAutomationAsync(_client, receiver.Url);
        var deliveryId = await TestEventAsync(automation.Id);
        await receiver.NextAsync();
        var due = (await DeliveryWhenAsync(_client, deliveryId, d => d.AttemptCount == 1)).NextAttemptAt!.Value;
        Assert.InRange(due - _clock.GetUtcNow(), TimeSpan.FromMinutes(3.9), TimeSpan.FromMinutes(6.1));

        _clock.Step(TimeSpan.FromHours(-1));
        // Past the due time in real (monotonic) time, but an hour before it on the wall clock: the
        // retry waits for its due time (documented), it is neither sent early nor dropped.
        _clock.Fake.Advance(due - _clock.GetUtcNow() - TimeSpan.FromMinutes(55));
        await TickAsync(3);
        Assert.False(await receiver.AnyWithinAsync(TimeSpan.FromMilliseconds(300)));
        Assert.Equal("pending", (await DeliveryWhenAsync(_client, deliveryId, _ => true)).Status);

        _clock.Fake.Advance(due - _clock.GetUtcNow());
        await TickUntilAsync(() => receiver.Count == 2);
        var retried = await receiver.NextAsync();
        Assert.Equal("2", retried.Header("X-Delivery-Attempt"));
        var delivered = await DeliveryWhenAsync(_client, deliveryId, d => d.Status == "succeeded");
        Assert.Equal([500, 200], delivered.Attempts!.Select(a => a.StatusCode!.Value));

        // Sent once: the clock going on past the due time sends nothing more.
        await TickAsync(1);
        _clock.Fake.Advance(TimeSpan.FromHours(2));
        await Task.Delay(300, Ct);
        Assert.Equal(2, receiver.Count);
    }

    [Fact]
    public async Task A_step_forward_sends_every_due_retry_once()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = FailFirst(3);
        var automation = await CreateAutomationAsync(_client, receiver.Url);
        var deliveryIds = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            deliveryIds.Add(await TestEventAsync(automation.Id));
            await DeliveryWhenAsync(_client, deliveryIds[^1], d => d.AttemptCount == 1);
        }
        for (var i = 0; i < 3; i++)
        {
            await receiver.NextAsync();
        }

        _clock.Step(TimeSpan.FromHours(1));
        await TickUntilAsync(() => receiver.Count >= 6);
        // The answers recorded before the clock moves on (moving it would time the requests out).
        foreach (var id in deliveryIds)
        {
            await DeliveryWhenAsync(_client, id, d => d.Status == "succeeded");
        }
        for (var i = 0; i < 10; i++)
        {
            _clock.Fake.Advance(TimeSpan.FromSeconds(10));
            await Task.Delay(30, Ct);
        }
        await Task.Delay(300, Ct);

        Assert.Equal(6, receiver.Count);
        var retried = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var request = await receiver.NextAsync();
            Assert.Equal("2", request.Header("X-Delivery-Attempt"));
            retried.Add(request.Header("X-Delivery-Id"));
        }
        Assert.Equal(deliveryIds.Order(), retried.Order());
        foreach (var id in deliveryIds)
        {
            var delivered = await DeliveryWhenAsync(_client, id, d => d.Status == "succeeded");
            Assert.Equal(2, delivered.AttemptCount);
        }
    }
}
