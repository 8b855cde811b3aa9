using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SmartApi.Server.Tests.Webhooks;
using static SmartApi.Server.Tests.Automations.EngineTestKit;

namespace SmartApi.Server.Tests.Automations;

/// <summary>
/// The server's wall clock stepped by an hour (NTP, an operator) while a schedule runs every 10
/// minutes: forward, the missed occurrences follow the downtime rule (the latest fires once);
/// back, occurrences already fired do not fire again when the clock passes them a second time.
/// </summary>
public sealed class ScheduleClockStepTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static DateTimeOffset At(int hour, int minute) => new(2026, 6, 1, hour, minute, 0, TimeSpan.Zero);

    private static async Task<(SmartApiApplication App, HttpClient Client, string AutomationId)> StartAsync(SteppedClock clock)
    {
        var app = await SmartApiApplication.StartAsync(WebhookTestKit.AllowLoopback, configure: builder => builder.Services.AddSingleton<TimeProvider>(clock));
        var (_, client) = await app.CreateTenantAsync("devices:write", "automations:read", "automations:write");
        var lamp = await SmartApiApplication.CreateDeviceAsync(client);
        var automation = await CreateAutomationAsync(client, $$$"""
            {"name":"Every ten minutes","trigger":{"schedule":{"cron":"*/10 * * * *"}},"actions":[{"type":"switch","deviceId":"{{{lamp.Id}}}","state":"toggle"}]}
            """);
        return (app, client, automation.Id);
    }

    private static async Task<IReadOnlyList<DateTimeOffset>> OccurrencesAsync(HttpClient client, string automationId) =>
        [.. (await RunsAsync(client, automationId)).Select(r => r.Trigger.ScheduledFor!.Value).Order()];

    [Fact]
    public async Task A_step_forward_by_an_hour_fires_the_latest_missed_occurrence_once()
    {
        var clock = new SteppedClock(new FakeTimeProvider(At(10, 0).AddSeconds(30)));
        var (app, client, automationId) = await StartAsync(clock);
        await using var _ = app;

        clock.Step(TimeSpan.FromHours(1)); // 10:10 ... 11:00 are now in the past
        await AdvanceUntilAsync(clock.Fake, async () => (await RunsAsync(client, automationId)).Count > 0);
        await TickAsync(clock.Fake, 5);

        Assert.Equal([At(11, 0)], await OccurrencesAsync(client, automationId));
        Assert.Equal(At(11, 10), (await app.Store().GetRuleAsync(automationId, Ct))!.NextFireAt);

        clock.Fake.Advance(TimeSpan.FromMinutes(9));
        await AdvanceUntilAsync(clock.Fake, async () => (await RunsAsync(client, automationId)).Count > 1);
        await TickAsync(clock.Fake, 5);
        Assert.Equal([At(11, 0), At(11, 10)], await OccurrencesAsync(client, automationId));
        await FinishedRunsAsync(client, automationId, 2);
    }

    [Fact]
    public async Task A_step_back_by_an_hour_does_not_fire_occurrences_again_when_the_clock_passes_them_twice()
    {
        var clock = new SteppedClock(new FakeTimeProvider(At(10, 9).AddSeconds(50)));
        var (app, client, automationId) = await StartAsync(clock);
        await using var _ = app;
        await AdvanceUntilAsync(clock.Fake, async () => (await RunsAsync(client, automationId)).Count > 0);
        clock.Fake.Advance(TimeSpan.FromMinutes(9));
        await AdvanceUntilAsync(clock.Fake, async () => (await RunsAsync(client, automationId)).Count > 1);
        Assert.Equal([At(10, 10), At(10, 20)], await OccurrencesAsync(client, automationId));

        clock.Step(TimeSpan.FromHours(-1)); // about 09:20: 09:30 ... 10:20 come round again
        for (var i = 0; i < 13; i++)
        {
            clock.Fake.Advance(TimeSpan.FromMinutes(5));
            await TickAsync(clock.Fake, 2);
        }
        Assert.InRange(clock.GetUtcNow(), At(10, 25), At(10, 29));
        Assert.Equal([At(10, 10), At(10, 20)], await OccurrencesAsync(client, automationId));
        Assert.Equal(At(10, 30), (await app.Store().GetRuleAsync(automationId, Ct))!.NextFireAt);

        // The next occurrence not yet fired still fires, once.
        clock.Fake.Advance(TimeSpan.FromMinutes(4));
        await AdvanceUntilAsync(clock.Fake, async () => (await RunsAsync(client, automationId)).Count > 2);
        await TickAsync(clock.Fake, 5);
        Assert.Equal([At(10, 10), At(10, 20), At(10, 30)], await OccurrencesAsync(client, automationId));
        await FinishedRunsAsync(client, automationId, 3);
    }
}
