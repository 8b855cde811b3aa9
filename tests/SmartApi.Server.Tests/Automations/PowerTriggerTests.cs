using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using SmartApi.Server.Automations;
using SmartApi.Server.Events;
using SmartApi.Storage;
using SmartApi.Contracts;
using SmartApi.Server.Measurements;
using SmartApi.Server.Tests.Webhooks;
using static SmartApi.Server.Tests.Automations.EngineTestKit;

namespace SmartApi.Server.Tests.Automations;

/// <summary>Power triggers on a fake clock: forSeconds, hysteresis, once per crossing, the timer, and state across a restart.</summary>
public sealed class PowerTriggerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<IReadOnlyList<EventResponse>> ThresholdEventsAsync(HttpClient client, string deviceId) =>
        (await (await client.GetAsync($"/v1/events?types=device.power.threshold_exceeded,device.power.threshold_cleared&deviceId={deviceId}", Ct))
            .ReadAsync(SmartApiJsonContext.Default.PageEventResponse)).Data;

    private static async Task<AutomationResponse> WasherAutomationAsync(HttpClient client, string washerId, string lampId) =>
        await CreateAutomationAsync(client, $$$"""
            {"name":"Washer done","trigger":{"power":{"deviceIds":["{{{washerId}}}"],"operator":"<","value":5,"forSeconds":120,"hysteresis":1}},
             "actions":[{"type":"switch","deviceId":"{{{lampId}}}","state":"on"}]}
            """);

    [Fact]
    public async Task Fires_once_per_crossing_that_holds_for_forSeconds_and_rearms_past_the_hysteresis()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero));
        await using var app = await RetryTests.StartAppAsync(time);
        var (organizationId, client) = await app.CreateTenantAsync("devices:write", "events:read", "automations:read", "automations:write");
        var washer = await SmartApiApplication.CreateDeviceAsync(client);
        var lamp = await SmartApiApplication.CreateDeviceAsync(client);
        var automation = await WasherAutomationAsync(client, washer.Id, lamp.Id);
        var t0 = time.GetUtcNow();
        async Task Sample(int second, double power)
        {
            time.SetUtcNow(t0.AddSeconds(second));
            Assert.True(await app.Ingestor().IngestAsync(washer.Id, new TelemetrySample(t0.AddSeconds(second), power), Ct));
        }

        await Sample(0, 500);
        await Sample(10, 2);     // below: pending since 10 s
        await Sample(60, 800);   // back up before 120 s: the crossing did not last
        await Sample(70, 3);     // pending again since 70 s
        await Sample(150, 4);    // 80 s: not yet
        Assert.Empty(await ThresholdEventsAsync(client, washer.Id));
        await Sample(190, 4);    // 120 s below: fires
        await Sample(200, 1);    // still below: no second event
        await Sample(210, 5.5);  // inside the band (5-6 W): still fired
        await Sample(220, 2);    // below again, but never re-armed: nothing
        var fired = await ThresholdEventsAsync(client, washer.Id);
        var exceeded = Assert.Single(fired);
        Assert.Equal("device.power.threshold_exceeded", exceeded.Type);
        Assert.Equal((automation.Id, "<", 5.0, 4.0, 120),
            (exceeded.Data.GetProperty("automationId").GetString(), exceeded.Data.GetProperty("operator").GetString(),
             exceeded.Data.GetProperty("threshold").GetDouble(), exceeded.Data.GetProperty("value").GetDouble(), exceeded.Data.GetProperty("forSeconds").GetInt32()));

        await Sample(230, 6.5);  // past the band: cleared, armed
        await Sample(240, 1);    // below: pending since 240 s, and no sample follows
        time.SetUtcNow(t0.AddSeconds(300));
        await AdvanceUntilAsync(time, async () => (await ThresholdEventsAsync(client, washer.Id)).Count == 3);

        var events = await ThresholdEventsAsync(client, washer.Id);
        Assert.Equal(["device.power.threshold_exceeded", "device.power.threshold_cleared", "device.power.threshold_exceeded"], events.Select(e => e.Type));
        Assert.Equal(6.5, events[1].Data.GetProperty("value").GetDouble());
        Assert.Equal(1.0, events[2].Data.GetProperty("value").GetDouble()); // fired by the timer with the latest power
        var runs = await FinishedRunsAsync(client, automation.Id, 2);
        Assert.All(runs, r => Assert.Equal(("succeeded", "power", washer.Id), (r.Status, r.Trigger.Type, r.Trigger.DeviceId)));
        Assert.Equal(t0.AddSeconds(360), runs[0].CreatedAt); // the timer fires at since + forSeconds
        Assert.Equal(events[2].Id, runs[0].Trigger.EventId);
        var commands = await app.CommandsAsync(organizationId, lamp.Id);
        Assert.Equal(2, commands.Count);
        Assert.All(commands, c => Assert.Equal(("on", "automation", automation.Id, 1), (c.State, c.Source, c.AutomationId, c.Depth)));
    }

    [Fact]
    public async Task A_node_whose_index_does_not_know_the_trigger_yet_still_fires_it_once()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero));
        await using var app = await RetryTests.StartAppAsync(time);
        var washer = await SmartApiApplication.CreateDeviceAsync(app.Admin);
        var lamp = await SmartApiApplication.CreateDeviceAsync(app.Admin);
        await WasherAutomationAsync(app.Admin, washer.Id, lamp.Id);
        await app.Ingestor().IngestAsync(washer.Id, new TelemetrySample(time.GetUtcNow(), 2), Ct); // pending, due in 120 s
        // Two more nodes that started before the automation existed (empty indexes), racing on the due state.
        PowerTriggers Node() => new(app.Store(), app.Services.GetRequiredService<EventFactory>(), app.Services.GetRequiredService<IdGenerator>(),
            NullLogger<PowerTriggers>.Instance);
        var due = time.GetUtcNow().AddSeconds(121);

        await Task.WhenAll(Node().FireDueAsync(due, Ct), Node().FireDueAsync(due, Ct));

        var exceeded = Assert.Single(await ThresholdEventsAsync(app.Admin, washer.Id));
        Assert.Equal(2.0, exceeded.Data.GetProperty("value").GetDouble());
    }

    [Fact]
    public async Task The_trigger_state_survives_a_restart_on_the_same_data_directory()
    {
        var directory = Directory.CreateTempSubdirectory("smartapi-power-").FullName;
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero));
        var t0 = time.GetUtcNow();
        string washerId, automationId;
        await using (var app = await RetryTests.StartAppAsync(time, directory))
        {
            var washer = await SmartApiApplication.CreateDeviceAsync(app.Admin);
            var lamp = await SmartApiApplication.CreateDeviceAsync(app.Admin);
            washerId = washer.Id;
            automationId = (await WasherAutomationAsync(app.Admin, washer.Id, lamp.Id)).Id;
            await app.Ingestor().IngestAsync(washer.Id, new TelemetrySample(t0, 2), Ct); // pending since t0
        }

        await using (var app = await RetryTests.StartAppAsync(time, directory))
        {
            time.SetUtcNow(t0.AddSeconds(130));
            // Without the stored state this sample would only start a new pending period.
            await app.Ingestor().IngestAsync(washerId, new TelemetrySample(t0.AddSeconds(130), 3), Ct);
            Assert.Single(await ThresholdEventsAsync(app.Admin, washerId));
        }

        await using (var app = await RetryTests.StartAppAsync(time, directory))
        {
            time.SetUtcNow(t0.AddSeconds(400));
            // Still fired after a restart: holding on does not fire again.
            await app.Ingestor().IngestAsync(washerId, new TelemetrySample(t0.AddSeconds(400), 1), Ct);
            Assert.Single(await ThresholdEventsAsync(app.Admin, washerId));
            Assert.Single(await FinishedRunsAsync(app.Admin, automationId, 1));
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
    }
}
