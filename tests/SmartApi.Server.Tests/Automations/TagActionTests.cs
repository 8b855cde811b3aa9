using System.Net;
using Microsoft.Extensions.Time.Testing;
using SmartApi.Contracts;
using SmartApi.Server.Tests.Webhooks;
using static SmartApi.Server.Tests.Automations.EngineTestKit;

namespace SmartApi.Server.Tests.Automations;

/// <summary>Switch actions that target a tag: validation, and a weekday evening schedule in local time on a fake clock.</summary>
public sealed class TagActionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Switch_off_everything_in_the_office_at_19_00_Zurich_time_on_weekdays()
    {
        // Friday 2026-03-27, 18:59:50 in Zurich (CET, UTC+1); the clocks move to CEST that Sunday.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 27, 17, 59, 50, TimeSpan.Zero));
        await using var app = await RetryTests.StartAppAsync(time);
        var (organizationId, client) = await app.CreateTenantAsync("devices:read", "devices:write", "automations:read", "automations:write");
        var office = new List<DeviceResponse>();
        for (var i = 0; i < 3; i++)
        {
            office.Add(await SmartApiApplication.CreateDeviceAsync(client, tags: new() { ["room"] = "office" }));
        }
        var kitchen = await SmartApiApplication.CreateDeviceAsync(client, tags: new() { ["room"] = "kitchen" });
        var automation = await CreateAutomationAsync(client, """
            {"name":"Office off","trigger":{"schedule":{"cron":"0 19 * * 1-5","timeZone":"Europe/Zurich"}},
             "actions":[{"type":"switch","tag":"room:office","state":"off"}]}
            """);
        // Tagged after the automation was saved: the tag is resolved when the action runs.
        var late = await SmartApiApplication.CreateDeviceAsync(client, tags: new() { ["room"] = "office" });

        await AdvanceUntilAsync(time, async () => (await RunsAsync(client, automation.Id)).Count > 0);
        var run = Assert.Single(await FinishedRunsAsync(client, automation.Id, 1));

        Assert.Equal("room:office", Assert.Single(automation.Actions).Tag);
        Assert.Equal(("succeeded", "schedule"), (run.Status, run.Trigger.Type));
        Assert.Equal(new DateTimeOffset(2026, 3, 27, 18, 0, 0, TimeSpan.Zero), run.Trigger.ScheduledFor);
        Assert.Equal(4, run.CommandIds.Count);
        var commands = new List<Storage.Command>();
        foreach (var device in office.Append(late))
        {
            commands.Add(Assert.Single(await app.CommandsAsync(organizationId, device.Id)));
        }
        Assert.Equal(run.CommandIds, commands.Select(c => c.Id));
        Assert.All(commands, c => Assert.Equal(("off", "schedule", automation.Id, 1), (c.State, c.Source, c.AutomationId, c.Depth)));
        var batchId = Assert.Single(commands.Select(c => c.BatchId).Distinct());
        Assert.StartsWith("cmb_", batchId);
        Assert.Empty(await app.CommandsAsync(organizationId, kitchen.Id));
        var batch = await (await client.GetAsync($"/v1/command-batches/{batchId}", Ct)).ReadAsync(SmartApiJsonContext.Default.SwitchBatchResponse);
        Assert.Equal(run.CommandIds, batch.Commands.Select(c => c.CommandId));
        // Not on the weekend: next Monday at 19:00, now CEST (17:00 UTC).
        Assert.Equal(new DateTimeOffset(2026, 3, 30, 17, 0, 0, TimeSpan.Zero), (await app.Store().GetRuleAsync(automation.Id, Ct))!.NextFireAt);
    }

    [Fact]
    public async Task A_tag_action_with_revert_schedules_the_opposite_for_each_device()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 6, 3, 9, 59, 50, TimeSpan.Zero));
        await using var app = await RetryTests.StartAppAsync(time);
        var (organizationId, client) = await app.CreateTenantAsync("devices:read", "devices:write", "automations:read", "automations:write");
        var a = await SmartApiApplication.CreateDeviceAsync(client, tags: new() { ["floor"] = "1" });
        var b = await SmartApiApplication.CreateDeviceAsync(client, tags: new() { ["floor"] = "2" });
        var automation = await CreateAutomationAsync(client, """
            {"name":"Lights on","trigger":{"schedule":{"cron":"0 10 * * *","timeZone":"UTC"}},
             "actions":[{"type":"switch","tag":"floor","state":"on","revertAfterSeconds":60}]}
            """);

        await AdvanceUntilAsync(time, async () => (await RunsAsync(client, automation.Id)).Count > 0);
        Assert.Single(await FinishedRunsAsync(client, automation.Id, 1));
        await AdvanceUntilAsync(time, async () => (await app.CommandsAsync(organizationId, a.Id)).Count == 2
            && (await app.CommandsAsync(organizationId, b.Id)).Count == 2);

        foreach (var device in new[] { a, b })
        {
            var states = (await app.CommandsAsync(organizationId, device.Id)).Select(c => c.State);
            Assert.Equal(["on", "off"], states);
        }
    }

    [Theory]
    [InlineData("""{"type":"switch","tag":"room:office","deviceId":"dev_01JD0000000000000000000000","state":"off"}""", "actions[0]")]
    [InlineData("""{"type":"switch","tag":":office","state":"off"}""", "actions[0].tag")]
    [InlineData("""{"type":"switch","tag":"","state":"off"}""", "actions[0].tag")]
    [InlineData("""{"type":"switch","tag":"room:office"}""", "actions[0].state")]
    [InlineData("""{"type":"switch","state":"off"}""", "actions[0].deviceId")]
    [InlineData("""{"type":"webhook","url":"https://example.com/hook","tag":"room:office"}""", "actions[0]")]
    public async Task Invalid_tag_actions_are_400_naming_the_field(string action, string field)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 6, 3, 9, 0, 0, TimeSpan.Zero));
        await using var app = await RetryTests.StartAppAsync(time);
        var (_, client) = await app.CreateTenantAsync("devices:read", "devices:write", "automations:read", "automations:write");

        var response = await client.PostJsonAsync("/v1/automations",
            $$$"""{"name":"x","trigger":{"schedule":{"cron":"0 19 * * 1-5","timeZone":"Europe/Zurich"}},"actions":[{{{action}}}]}""");

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"errors should name {field}: {problem}");
    }
}
