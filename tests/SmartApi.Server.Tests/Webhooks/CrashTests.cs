using System.Collections.Concurrent;
using SmartApi.Contracts;
using static SmartApi.Server.Tests.Webhooks.WebhookTestKit;

namespace SmartApi.Server.Tests.Webhooks;

/// <summary>kill -9 of a real server process, then a restart on the same data directory; and lanes.</summary>
public sealed class CrashTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_slow_receiver_does_not_delay_the_others()
    {
        await using var app = await SmartApiApplication.StartAsync(new Dictionary<string, string?>(AllowLoopback)
        {
            ["SmartApi:Webhooks:MaxConcurrencyPerHost"] = "2",
            ["SmartApi:Webhooks:Timeout"] = "00:01:00",
        });
        await using var slow = await WebhookReceiver.StartAsync();
        await using var fast = await WebhookReceiver.StartAsync();
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        slow.Respond = async (_, context) =>
        {
            await hold.Task;
            context.Response.StatusCode = 200;
        };
        await CreateAutomationAsync(app.Admin, slow.Url, "\"device.created\"");
        await CreateAutomationAsync(app.Admin, fast.Url, "\"device.created\"");

        for (var i = 0; i < 10; i++)
        {
            await SmartApiApplication.CreateDeviceAsync(app.Admin);
        }
        for (var i = 0; i < 10; i++)
        {
            await fast.NextAsync(TimeSpan.FromSeconds(5));
        }
        // The slow host holds only its own two slots.
        Assert.Equal(2, slow.Count);
        hold.SetResult();
        for (var i = 0; i < 10; i++)
        {
            await slow.NextAsync();
        }
    }

    [Fact]
    public async Task Kill_9_mid_delivery_loses_no_event_and_no_delivery()
    {
        const int devices = 40;
        var directory = Directory.CreateTempSubdirectory("smartapi-crash-").FullName;
        var settings = new Dictionary<string, string>
        {
            ["SmartApi__Webhooks__AllowPrivateNetworks"] = "true",
            ["SmartApi__Webhooks__Timeout"] = "00:00:01", // short leases, so the test waits seconds, not a minute
        };
        await using var receiver = await WebhookReceiver.StartAsync();
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var received = new ConcurrentDictionary<string, int>();
        receiver.Respond = async (_, context) =>
        {
            await hold.Task; // nothing succeeds before the crash: every delivery is in flight or queued
            received.AddOrUpdate(context.Request.Headers["X-Event-Id"].ToString(), 1, (_, n) => n + 1);
            context.Response.StatusCode = 200;
        };

        var createdIds = new List<string>();
        await using (var first = await ServerProcess.StartAsync(directory, settings))
        {
            using var client = first.CreateAdminClient();
            await CreateAutomationAsync(client, receiver.Url, "\"device.created\"");
            for (var i = 0; i < devices; i++)
            {
                createdIds.Add((await SmartApiApplication.CreateDeviceAsync(client, $"CRASH-{i:000}")).Id);
            }
            await receiver.NextAsync(); // deliveries are in flight
            await first.KillAsync();
        }
        hold.SetResult();

        // Every event is delivered at least once after the restart.
        await AssertRestartDeliversEveryEventAsync(directory, settings, createdIds, received, TimeSpan.FromSeconds(60));
        var duplicates = received.Values.Sum() - devices;
        TestContext.Current.SendDiagnosticMessage($"{devices} events, {duplicates} delivered twice (in flight at the kill)");
    }

    [Fact]
    public async Task Deliveries_handed_to_the_engine_before_a_kill_9_are_sent_after_restart_without_waiting_for_their_leases()
    {
        const int devices = 20;
        var directory = Directory.CreateTempSubdirectory("smartapi-crash-").FullName;
        var settings = new Dictionary<string, string>
        {
            ["SmartApi__Webhooks__AllowPrivateNetworks"] = "true",
            // Leases of 3 minutes: only their release at start-up lets the restarted server send in time.
            ["SmartApi__Webhooks__Timeout"] = "00:01:00",
        };
        await using var receiver = await WebhookReceiver.StartAsync();
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        receiver.Respond = async (_, context) =>
        {
            await hold.Task; // the dead process's requests: never answered, never counted
            context.Response.StatusCode = 500;
        };

        var created = new List<string>();
        await using (var first = await ServerProcess.StartAsync(directory, settings))
        {
            using var client = first.CreateAdminClient();
            await CreateAutomationAsync(client, receiver.Url, "\"device.created\"");
            for (var i = 0; i < devices; i++)
            {
                created.Add((await SmartApiApplication.CreateDeviceAsync(client, $"HANDOFF-{i:000}")).Id);
            }
            await receiver.NextAsync(); // handed at commit and in flight, the rest waiting in the lane
            await first.KillAsync();
        }
        var received = new ConcurrentDictionary<string, int>();
        receiver.Respond = (_, context) =>
        {
            received.AddOrUpdate(context.Request.Headers["X-Event-Id"].ToString(), 1, (_, n) => n + 1);
            context.Response.StatusCode = 200;
            return Task.CompletedTask;
        };
        hold.SetResult();

        // Well within the 3-minute leases the dead process took.
        await AssertRestartDeliversEveryEventAsync(directory, settings, created, received, TimeSpan.FromSeconds(30));
    }

    /// <summary>
    /// Starts the server again on <paramref name="directory"/>: every accepted device and its
    /// <c>device.created</c> survived, and every event reaches the receiver within <paramref name="within"/>.
    /// </summary>
    private static async Task AssertRestartDeliversEveryEventAsync(string directory, Dictionary<string, string> settings, List<string> createdIds,
        ConcurrentDictionary<string, int> received, TimeSpan within)
    {
        await using var second = await ServerProcess.StartAsync(directory, settings);
        using var admin = second.CreateAdminClient();
        var events = await (await admin.GetAsync("/v1/events?types=device.created&limit=500", Ct)).ReadAsync(SmartApiJsonContext.Default.PageEventResponse);
        Assert.Equal(createdIds, events.Data.Select(e => e.Data.GetProperty("deviceId").GetString()));

        var deadline = DateTime.UtcNow + within;
        while (received.Count < createdIds.Count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, Ct);
        }
        Assert.Equal(events.Data.Select(e => e.Id).Order(), received.Keys.Order());
    }
}
