using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using SmartApi.Server.Automations;
using SmartApi.Server.Devices;
using SmartApi.Server.Tests.Webhooks;
using SmartApi.Storage;
using static SmartApi.Server.Tests.Automations.EngineTestKit;

namespace SmartApi.Server.Tests.Automations;

/// <summary>Schedule triggers on a fake clock: DST in Europe/Zurich, downtime, and one firing per occurrence across schedulers.</summary>
public sealed class ScheduleTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly TimeSpan Cet = TimeSpan.FromHours(1);
    private static readonly TimeSpan Cest = TimeSpan.FromHours(2);

    [Fact]
    public void Spring_forward_moves_an_occurrence_in_the_missing_hour_to_the_end_of_the_gap()
    {
        // 2026-03-29 02:00 CET jumps to 03:00 CEST in Zurich: 02:30 does not exist that night.
        var schedule = CronSchedule.Create("30 2 * * *", "Europe/Zurich");
        var first = schedule.Next(new DateTimeOffset(2026, 3, 28, 12, 0, 0, TimeSpan.Zero))!.Value;
        var second = schedule.Next(first)!.Value;

        Assert.Equal(new DateTimeOffset(2026, 3, 29, 3, 0, 0, Cest), first);
        Assert.Equal(new DateTimeOffset(2026, 3, 30, 2, 30, 0, Cest), second);
    }

    [Fact]
    public void Fall_back_fires_a_fixed_time_in_the_repeated_hour_once()
    {
        // 2026-10-25 03:00 CEST falls back to 02:00 CET: 02:30 happens twice on the wall clock.
        var schedule = CronSchedule.Create("30 2 * * *", "Europe/Zurich");
        var first = schedule.Next(new DateTimeOffset(2026, 10, 24, 12, 0, 0, TimeSpan.Zero))!.Value;
        var second = schedule.Next(first)!.Value;

        Assert.Equal(new DateTimeOffset(2026, 10, 25, 2, 30, 0, Cest), first);
        Assert.Equal(new DateTimeOffset(2026, 10, 26, 2, 30, 0, Cet), second);
    }

    [Fact]
    public void Latest_keeps_an_occurrence_moved_out_of_the_gap_and_counts_the_missed_ones()
    {
        var schedule = CronSchedule.Create("30 2 * * *", "Europe/Zurich");
        var moved = new DateTimeOffset(2026, 3, 29, 3, 0, 0, Cest);

        Assert.Equal((moved, 0), schedule.Latest(moved, moved.AddMinutes(1)));
        Assert.Equal((new DateTimeOffset(2026, 4, 1, 2, 30, 0, Cest), 3), schedule.Latest(moved, new DateTimeOffset(2026, 4, 1, 12, 0, 0, Cest)));
        Assert.Null(schedule.Latest(moved, moved.AddSeconds(-1)));
    }

    [Fact]
    public void Evening_schedule_keeps_local_time_across_the_change()
    {
        var schedule = CronSchedule.Create("0 18 * * 1-5", "Europe/Zurich");
        var friday = schedule.Next(new DateTimeOffset(2026, 3, 27, 12, 0, 0, TimeSpan.Zero))!.Value;
        var monday = schedule.Next(friday)!.Value;

        Assert.Equal(new DateTimeOffset(2026, 3, 27, 17, 0, 0, TimeSpan.Zero), friday.ToUniversalTime());
        Assert.Equal(new DateTimeOffset(2026, 3, 30, 16, 0, 0, TimeSpan.Zero), monday.ToUniversalTime());
    }

    [Fact]
    public async Task The_scheduler_fires_across_spring_forward_and_the_webhook_receives_automation_scheduled()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 29, 0, 59, 50, TimeSpan.Zero));
        await using var app = await RetryTests.StartAppAsync(time);
        await using var receiver = await WebhookReceiver.StartAsync();
        var (organizationId, client) = await app.CreateTenantAsync("devices:write", "automations:read", "automations:write");
        var lamp = await SmartApiApplication.CreateDeviceAsync(client);
        var automation = await CreateAutomationAsync(client, $$$"""
            {"name":"Night","trigger":{"schedule":{"cron":"30 2 * * *","timeZone":"Europe/Zurich"}},
             "actions":[{"type":"webhook","url":"{{{receiver.Url}}}"},{"type":"switch","deviceId":"{{{lamp.Id}}}","state":"off"}]}
            """);

        await AdvanceUntilAsync(time, async () => (await RunsAsync(client, automation.Id)).Count > 0);
        var run = Assert.Single(await FinishedRunsAsync(client, automation.Id, 1));
        var request = await receiver.NextAsync();

        var occurrence = new DateTimeOffset(2026, 3, 29, 1, 0, 0, TimeSpan.Zero); // 03:00 CEST, the end of the gap
        Assert.Equal(("succeeded", "schedule", occurrence), (run.Status, run.Trigger.Type, run.Trigger.ScheduledFor!.Value));
        Assert.Equal(occurrence, run.CreatedAt);
        var body = JsonDocument.Parse(request.Body).RootElement;
        Assert.Equal("automation.scheduled", body.GetProperty("type").GetString());
        Assert.Equal(run.Trigger.EventId, body.GetProperty("id").GetString());
        Assert.Equal(automation.Id, body.GetProperty("data").GetProperty("automationId").GetString());
        Assert.Equal("2026-03-29T01:00:00Z", body.GetProperty("data").GetProperty("scheduledFor").GetString());
        Assert.Single(run.DeliveryIds);
        var command = await app.CommandAsync(organizationId, lamp.Id, Assert.Single(run.CommandIds));
        Assert.Equal(("off", "schedule", automation.Id, 1), (command.State, command.Source, command.AutomationId, command.Depth));
        Assert.Equal(new DateTimeOffset(2026, 3, 30, 0, 30, 0, TimeSpan.Zero), (await app.Store().GetRuleAsync(automation.Id, Ct))!.NextFireAt);
    }

    [Fact]
    public async Task The_scheduler_fires_once_in_the_repeated_hour_of_fall_back()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 10, 25, 0, 29, 50, TimeSpan.Zero));
        await using var app = await RetryTests.StartAppAsync(time);
        var (organizationId, client) = await app.CreateTenantAsync("devices:write", "automations:read", "automations:write");
        var lamp = await SmartApiApplication.CreateDeviceAsync(client);
        var automation = await CreateAutomationAsync(client, $$$"""
            {"name":"Night","trigger":{"schedule":{"cron":"30 2 * * *","timeZone":"Europe/Zurich"}},
             "actions":[{"type":"switch","deviceId":"{{{lamp.Id}}}","state":"on"}]}
            """);

        await AdvanceUntilAsync(time, async () => (await RunsAsync(client, automation.Id)).Count > 0);
        // Through the second 02:30 (01:30 UTC, now CET) and past it: nothing more fires.
        time.Advance(TimeSpan.FromMinutes(61));
        await TickAsync(time, 3);

        var run = Assert.Single(await FinishedRunsAsync(client, automation.Id, 1));
        Assert.Equal(new DateTimeOffset(2026, 10, 25, 0, 30, 0, TimeSpan.Zero), run.Trigger.ScheduledFor);
        Assert.Equal(new DateTimeOffset(2026, 10, 26, 1, 30, 0, TimeSpan.Zero), (await app.Store().GetRuleAsync(automation.Id, Ct))!.NextFireAt);
        Assert.Single(await app.CommandsAsync(organizationId, lamp.Id));
    }

    [Fact]
    public async Task After_downtime_only_the_latest_missed_occurrence_fires()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 10, 0, 30, TimeSpan.Zero));
        await using var app = await RetryTests.StartAppAsync(time);
        var (_, client) = await app.CreateTenantAsync("devices:write", "automations:read", "automations:write");
        var lamp = await SmartApiApplication.CreateDeviceAsync(client);
        var automation = await CreateAutomationAsync(client, $$$"""
            {"name":"Hourly","trigger":{"schedule":{"cron":"0 * * * *"}},"actions":[{"type":"switch","deviceId":"{{{lamp.Id}}}","state":"toggle"}]}
            """);

        time.Advance(TimeSpan.FromHours(5)); // 11:00 ... 15:00 were missed
        await AdvanceUntilAsync(time, async () => (await RunsAsync(client, automation.Id)).Count > 0);

        var run = Assert.Single(await FinishedRunsAsync(client, automation.Id, 1));
        Assert.Equal(new DateTimeOffset(2026, 6, 1, 15, 0, 0, TimeSpan.Zero), run.Trigger.ScheduledFor);
        Assert.Equal(new DateTimeOffset(2026, 6, 1, 16, 0, 0, TimeSpan.Zero), (await app.Store().GetRuleAsync(automation.Id, Ct))!.NextFireAt);
    }

    [Fact]
    public async Task Two_schedulers_on_one_store_fire_an_occurrence_once()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 17, 59, 0, TimeSpan.Zero));
        await using var app = await RetryTests.StartAppAsync(time);
        var (_, client) = await app.CreateTenantAsync("devices:write", "automations:read", "automations:write");
        var lamp = await SmartApiApplication.CreateDeviceAsync(client);
        var automation = await CreateAutomationAsync(client, $$$"""
            {"name":"Six","trigger":{"schedule":{"cron":"0 18 * * *"}},"actions":[{"type":"switch","deviceId":"{{{lamp.Id}}}","state":"on"}]}
            """);
        // Two more nodes' schedulers over the same database, racing for the same due occurrence.
        AutomationScheduler Node() => new(app.Store(), app.Services.GetRequiredService<PowerTriggers>(), app.Services.GetRequiredService<DeviceService>(),
            app.Services.GetRequiredService<IdGenerator>(), time, NullLogger<AutomationScheduler>.Instance);
        using var first = Node();
        using var second = Node();
        var at = new DateTimeOffset(2026, 6, 1, 18, 0, 0, TimeSpan.Zero);

        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => (i % 2 == 0 ? first : second).FireSchedulesAsync(at, Ct)));

        var run = Assert.Single(await FinishedRunsAsync(client, automation.Id, 1));
        Assert.Equal(at, run.Trigger.ScheduledFor);
    }
}
