using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using SmartApi.Webhooks;
using static SmartApi.Server.Tests.Webhooks.WebhookTestKit;

namespace SmartApi.Server.Tests.Webhooks;

/// <summary>
/// A destination slower than its backlog: deliveries wait in its lane longer than their lease. The
/// dispatcher renews those leases, so no delivery is claimed again and sent twice while it waits.
/// </summary>
public sealed class LeaseRenewalTests
{
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(2);
    // The dispatcher's lease: three timeouts and 5 s.
    private static readonly TimeSpan Lease = AttemptTimeout * 3 + TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Deliveries_waiting_past_their_lease_for_a_slow_destination_are_each_attempt_sent_once()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await RetryTests.StartAppAsync(time, settings: new Dictionary<string, string>
        {
            ["SmartApi:Webhooks:Timeout"] = AttemptTimeout.ToString(),
            ["SmartApi:Webhooks:MaxConcurrencyPerHost"] = "1",
        }!);
        var (_, client) = await app.CreateTenantAsync("devices:write", "events:read", "automations:read", "automations:write");
        await using var receiver = await WebhookReceiver.StartAsync();
        var sent = new ConcurrentBag<(string Delivery, string Attempt, DateTimeOffset At)>();
        // Every attempt hangs until the sender's timeout gives up on it: one at a time, each a full timeout.
        receiver.Respond = async (_, context) =>
        {
            sent.Add((context.Request.Headers[WebhookHeaders.DeliveryId].ToString(), context.Request.Headers[WebhookHeaders.DeliveryAttempt].ToString(),
                time.GetUtcNow()));
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        };
        // No circuit: it would open after five timeouts and hold the rest of the lane, which is not what this test is about.
        var automation = await CreateAutomationAsync(client, receiver.Url, extra: ""","circuitBreaker":{"enabled":false}""");
        var start = time.GetUtcNow();
        const int Deliveries = 10;
        for (var i = 0; i < Deliveries; i++)
        {
            (await client.PostAsync($"/v1/automations/{automation.Id}/test", null, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        }

        // Ten deliveries one timeout each: the last ones wait 18 s for their first attempt, past the 11 s lease. A minute
        // lets any second copy of a lapsed delivery, queued behind the others and their retries, come through.
        for (var step = 0; step < 240; step++)
        {
            time.Advance(TimeSpan.FromMilliseconds(250));
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        var attempts = sent.ToList();
        Assert.Equal(Deliveries, attempts.Select(a => a.Delivery).Distinct().Count());
        Assert.Contains(attempts, a => a.Attempt == "1" && a.At - start > Lease);
        var twice = attempts.GroupBy(a => (a.Delivery, a.Attempt)).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(twice.Count == 0, $"sent twice: {string.Join(", ", twice)}");
    }
}
