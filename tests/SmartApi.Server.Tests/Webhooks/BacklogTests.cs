using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using SmartApi.Server.Webhooks.Delivery;
using SmartApi.Storage;
using SmartApi.Webhooks;
using static SmartApi.Server.Tests.Webhooks.WebhookTestKit;

namespace SmartApi.Server.Tests.Webhooks;

/// <summary>
/// Events arrive faster than their destination takes them: the delivery engine holds at most about
/// <see cref="DeliveryDispatcher.MaxInFlight"/> deliveries in memory, the rest wait in the outbox,
/// and every one is delivered once the destination answers again.
/// </summary>
public sealed class BacklogTests
{
    private const int UnitSize = 100;
    // Six units more than the engine holds.
    private const int Events = (DeliveryDispatcher.MaxInFlight / UnitSize + 6) * UnitSize;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_destination_that_stalls_leaves_the_backlog_in_the_outbox_not_in_memory()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await RetryTests.StartAppAsync(time, settings: new Dictionary<string, string?>
        {
            ["SmartApi:Webhooks:MaxConcurrencyPerHost"] = "1",
        });
        var (organizationId, client) = await app.CreateTenantAsync("devices:write", "events:read", "automations:read", "automations:write");
        await using var receiver = await WebhookReceiver.StartAsync();
        var stalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var received = new ConcurrentDictionary<string, bool>();
        receiver.Respond = async (_, context) =>
        {
            await stalled.Task.WaitAsync(context.RequestAborted);
            received[context.Request.Headers[WebhookHeaders.DeliveryId].ToString()] = true;
            context.Response.StatusCode = 200;
        };
        // No circuit: the stall is not a failure, and this test is about memory, not about failing destinations.
        await CreateAutomationAsync(client, receiver.Url, extra: ""","circuitBreaker":{"enabled":false}""");
        var store = app.Services.GetRequiredService<ISmartApiStore>();
        var engine = app.Services.GetServices<IHostedService>().OfType<DeliveryDispatcher>().Single();
        var ids = new IdGenerator(time);

        // One write batch at a time, each asking the engine for room as it starts.
        for (var appended = 0; appended < Events; appended += UnitSize)
        {
            await store.WriteAsync(async tx =>
            {
                for (var i = 0; i < UnitSize; i++)
                {
                    await tx.AppendEventAsync(new NewEvent(ids.New("evt"), organizationId, "device.online", null, time.GetUtcNow(), "{}"));
                }
            }, Ct);
        }

        // The first unit is in the lane and the rest wait behind it; a batch that found the engine full handed nothing.
        Assert.InRange(engine.InFlight, DeliveryDispatcher.MaxInFlight, DeliveryDispatcher.MaxInFlight + UnitSize - 1);
        stalled.SetResult();
        for (var step = 0; step < 600 && received.Count < Events; step++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(50, Ct);
        }
        Assert.Equal(Events, received.Count);
    }
}
