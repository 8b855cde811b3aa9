using System.Net;
using Microsoft.Extensions.Time.Testing;
using SmartApi.Contracts;
using SmartApi.Server.Measurements;
using SmartApi.Server.Tests.Webhooks;
using static SmartApi.Server.Tests.Automations.EngineTestKit;

namespace SmartApi.Server.Tests.Automations;

/// <summary>
/// Event-triggered automations that act on devices: switch actions and their origin, conditions,
/// revert, cooldown, loop protection, the runs list and tenant isolation. One app per test class on
/// a fake clock; every test uses its own tenant.
/// </summary>
public sealed class ActionTests : IAsyncLifetime
{
    // A Wednesday, 12:00 UTC (14:00 in Zurich).
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 6, 3, 12, 0, 0, TimeSpan.Zero));
    private SmartApiApplication _app = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _app = await RetryTests.StartAppAsync(_time);

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private async Task<(string Org, HttpClient Client, DeviceResponse Button, DeviceResponse Lamp)> TenantAsync()
    {
        var (org, client) = await _app.CreateTenantAsync("devices:read", "devices:write", "events:read", "automations:read", "automations:write");
        return (org, client, await SmartApiApplication.CreateDeviceAsync(client), await SmartApiApplication.CreateDeviceAsync(client));
    }

    private static Task<AutomationResponse> ButtonSwitchesLampAsync(HttpClient client, string buttonId, string lampId, string extra = "", string action = "") =>
        CreateAutomationAsync(client, $$$"""
            {"name":"Button -> lamp","trigger":{"events":["device.button_pressed"],"deviceIds":["{{{buttonId}}}"]}{{{extra}}},
             "actions":[{"type":"switch","deviceId":"{{{lampId}}}","state":"toggle"{{{action}}}}]}
            """);

    [Fact]
    public async Task A_button_press_switches_another_device_with_an_automation_command()
    {
        var (org, client, button, lamp) = await TenantAsync();
        var automation = await ButtonSwitchesLampAsync(client, button.Id, lamp.Id);

        var pressed = await _app.ButtonPressedAsync(org, button.Id);
        await _app.ButtonPressedAsync(org, lamp.Id); // another device: not this trigger

        var run = Assert.Single(await FinishedRunsAsync(client, automation.Id, 1));
        Assert.Equal(("succeeded", "event", pressed.Id, button.Id, 0), (run.Status, run.Trigger.Type, run.Trigger.EventId, run.Trigger.DeviceId, run.Trigger.Depth));
        var command = await _app.CommandAsync(org, lamp.Id, Assert.Single(run.CommandIds));
        Assert.Equal(("toggle", "pending", "automation", automation.Id, 1), (command.State, command.Status, command.Source, command.AutomationId, command.Depth));
        var shown = await (await client.GetAsync($"/v1/devices/{lamp.Id}/commands/{command.Id}", Ct)).ReadAsync(SmartApiJsonContext.Default.CommandResponse);
        Assert.Equal(("automation", automation.Id), (shown.Source, shown.AutomationId));
        Assert.NotNull(run.FinishedAt);
    }

    [Fact]
    public async Task Conditions_must_all_hold_and_a_failed_one_is_the_skip_reason()
    {
        var (org, client, button, lamp) = await TenantAsync();
        var automation = await ButtonSwitchesLampAsync(client, button.Id, lamp.Id, $$$"""
            ,"conditions":[{"type":"switch","deviceId":"{{{lamp.Id}}}","state":"off"},
                           {"type":"power","deviceId":"{{{lamp.Id}}}","operator":"<","value":10},
                           {"type":"time","from":"13:00","to":"02:00","timeZone":"Europe/Zurich"},
                           {"type":"weekdays","days":["wed","thu"],"timeZone":"Europe/Zurich"}]
            """);

        await _app.ButtonPressedAsync(org, button.Id); // the lamp's switch is unknown
        await FinishedRunsAsync(client, automation.Id, 1);
        await _app.DeviceSwitchedAsync(org, lamp.Id, "off", null, "button");
        await _app.Ingestor().IngestAsync(lamp.Id, new TelemetrySample(_time.GetUtcNow(), 25), Ct);
        await _app.ButtonPressedAsync(org, button.Id); // draws 25 W
        await FinishedRunsAsync(client, automation.Id, 2);
        _time.Advance(TimeSpan.FromSeconds(1));
        await _app.Ingestor().IngestAsync(lamp.Id, new TelemetrySample(_time.GetUtcNow(), 4), Ct);
        await _app.ButtonPressedAsync(org, button.Id); // all hold: Wednesday 14:00 in Zurich, in 13:00-02:00
        await FinishedRunsAsync(client, automation.Id, 3);
        _time.Advance(TimeSpan.FromHours(10)); // Thursday 00:00 in Zurich: across midnight, still inside
        await _app.ButtonPressedAsync(org, button.Id);
        await FinishedRunsAsync(client, automation.Id, 4);
        _time.Advance(TimeSpan.FromHours(3)); // Thursday 03:00: outside the window
        await _app.ButtonPressedAsync(org, button.Id);
        await FinishedRunsAsync(client, automation.Id, 5);
        _time.Advance(TimeSpan.FromDays(2) + TimeSpan.FromHours(12)); // Saturday 15:00
        await _app.ButtonPressedAsync(org, button.Id);

        var runs = (await FinishedRunsAsync(client, automation.Id, 6)).Reverse().ToList();
        Assert.Equal(["skipped", "skipped", "succeeded", "succeeded", "skipped", "skipped"], runs.Select(r => r.Status));
        Assert.Equal($"conditions[0]: {lamp.Id} is unknown, not off", runs[0].Reason);
        Assert.StartsWith("conditions[1]: ", runs[1].Reason, StringComparison.Ordinal);
        Assert.StartsWith("conditions[2]: 03:00 in Europe/Zurich", runs[4].Reason, StringComparison.Ordinal);
        Assert.StartsWith("conditions[3]: sat", runs[5].Reason, StringComparison.Ordinal);
        Assert.All(runs.Where(r => r.Status == "skipped"), r => Assert.Empty(r.CommandIds));
        Assert.Equal(2, (await _app.CommandsAsync(org, lamp.Id)).Count);
    }

    [Fact]
    public async Task A_conditional_automations_webhooks_receive_the_event_only_when_the_run_acts()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (org, client, button, lamp) = await TenantAsync();
        var automation = await CreateAutomationAsync(client, $$$"""
            {"name":"Only when on","trigger":{"events":["device.button_pressed"]},
             "conditions":[{"type":"switch","deviceId":"{{{lamp.Id}}}","state":"on"}],"actions":[{"type":"webhook","url":"{{{receiver.Url}}}"}]}
            """);

        await _app.ButtonPressedAsync(org, button.Id);
        await FinishedRunsAsync(client, automation.Id, 1);
        await _app.DeviceSwitchedAsync(org, lamp.Id, "on", null, "button");
        var pressed = await _app.ButtonPressedAsync(org, button.Id);

        var runs = await FinishedRunsAsync(client, automation.Id, 2);
        var request = await receiver.NextAsync();
        Assert.Equal(pressed.Id, request.Header("X-Event-Id"));
        Assert.Equal(["succeeded", "skipped"], runs.Select(r => r.Status));
        Assert.Single(runs[0].DeliveryIds);
        Assert.Empty(runs[1].DeliveryIds);
        Assert.Equal(1, receiver.Count);
    }

    [Fact]
    public async Task RevertAfterSeconds_stores_the_opposite_command_when_the_time_comes()
    {
        var (org, client, button, lamp) = await TenantAsync();
        var automation = await CreateAutomationAsync(client, $$$"""
            {"name":"Stairs light","trigger":{"events":["device.button_pressed"],"deviceIds":["{{{button.Id}}}"]},
             "actions":[{"type":"switch","deviceId":"{{{lamp.Id}}}","state":"on","revertAfterSeconds":90}]}
            """);

        await _app.ButtonPressedAsync(org, button.Id);
        await FinishedRunsAsync(client, automation.Id, 1);
        _time.Advance(TimeSpan.FromSeconds(80));
        await TickAsync(_time, 2);
        Assert.Single(await _app.CommandsAsync(org, lamp.Id));
        await AdvanceUntilAsync(_time, async () => (await _app.CommandsAsync(org, lamp.Id)).Count == 2);

        var commands = await _app.CommandsAsync(org, lamp.Id);
        Assert.Equal(["on", "off"], commands.Select(c => c.State));
        Assert.Equal(("automation", automation.Id, 1), (commands[1].Source, commands[1].AutomationId, commands[1].Depth));
        Assert.True(commands[1].CreatedAt >= commands[0].CreatedAt.AddSeconds(90));
    }

    [Fact]
    public async Task Cooldown_skips_runs_until_it_has_passed()
    {
        var (org, client, button, lamp) = await TenantAsync();
        var automation = await ButtonSwitchesLampAsync(client, button.Id, lamp.Id, ""","cooldownSeconds":300""");

        await _app.ButtonPressedAsync(org, button.Id);
        await FinishedRunsAsync(client, automation.Id, 1);
        _time.Advance(TimeSpan.FromSeconds(299));
        await _app.ButtonPressedAsync(org, button.Id);
        await FinishedRunsAsync(client, automation.Id, 2);
        _time.Advance(TimeSpan.FromSeconds(1));
        await _app.ButtonPressedAsync(org, button.Id);

        var runs = await FinishedRunsAsync(client, automation.Id, 3);
        Assert.Equal(["succeeded", "skipped", "succeeded"], runs.Reverse().Select(r => r.Status));
        Assert.StartsWith("cooldown", runs[1].Reason, StringComparison.Ordinal);
        Assert.Equal(2, (await _app.CommandsAsync(org, lamp.Id)).Count);
    }

    [Fact]
    public async Task An_automations_own_switch_action_does_not_trigger_it_again()
    {
        var (org, client, _, lamp) = await TenantAsync();
        var automation = await CreateAutomationAsync(client, $$$"""
            {"name":"Keep toggling","trigger":{"events":["device.switched"],"deviceIds":["{{{lamp.Id}}}"]},
             "actions":[{"type":"switch","deviceId":"{{{lamp.Id}}}","state":"toggle"}]}
            """);

        await _app.DeviceSwitchedAsync(org, lamp.Id, "on", null, "button");
        var first = Assert.Single(await FinishedRunsAsync(client, automation.Id, 1));
        // The device carries out the automation's command and reports it (as the gateway will).
        await _app.DeviceSwitchedAsync(org, lamp.Id, "off", Assert.Single(first.CommandIds), "automation");

        var runs = await FinishedRunsAsync(client, automation.Id, 2);
        Assert.Equal("skipped", runs[0].Status);
        Assert.StartsWith("loop protection", runs[0].Reason, StringComparison.Ordinal);
        Assert.Empty(runs[0].CommandIds);
        Assert.Single(await _app.CommandsAsync(org, lamp.Id));
    }

    [Fact]
    public async Task A_chain_of_automations_switching_each_other_is_cut_after_eight()
    {
        var (org, client, first, second) = await TenantAsync();
        string Mirror(string from, string to) => $$$"""
            {"name":"mirror","trigger":{"events":["device.switched"],"deviceIds":["{{{from}}}"]},"actions":[{"type":"switch","deviceId":"{{{to}}}","state":"toggle"}]}
            """;
        var ping = await CreateAutomationAsync(client, Mirror(first.Id, second.Id));
        var pong = await CreateAutomationAsync(client, Mirror(second.Id, first.Id));
        var api = await (await client.PostJsonAsync($"/v1/devices/{first.Id}/switch", """{"state":"on"}""")).ReadAsync(SmartApiJsonContext.Default.CommandResponse);

        // Play the devices: each command is carried out and reported, which triggers the other automation.
        var (device, commandId) = (first.Id, api.Id);
        for (var hop = 0; hop < 9; hop++)
        {
            await _app.DeviceSwitchedAsync(org, device, hop % 2 == 0 ? "on" : "off", commandId, hop == 0 ? "api" : "automation");
            var automation = device == first.Id ? ping : pong;
            var run = (await FinishedRunsAsync(client, automation.Id, hop / 2 + 1))[0];
            if (hop < 8)
            {
                Assert.Equal(("succeeded", hop), (run.Status, run.Trigger.Depth));
                (device, commandId) = (device == first.Id ? second.Id : first.Id, Assert.Single(run.CommandIds));
                Assert.Equal(hop + 1, (await _app.CommandAsync(org, device, commandId)).Depth);
            }
            else
            {
                Assert.Equal(("cut", 8), (run.Status, run.Trigger.Depth));
                Assert.Contains("loop protection", run.Reason, StringComparison.Ordinal);
                Assert.Empty(run.CommandIds);
            }
        }
        Assert.Equal(9, (await _app.CommandsAsync(org, first.Id)).Count + (await _app.CommandsAsync(org, second.Id)).Count);
    }

    [Fact]
    public async Task Runs_are_paged_newest_first_scoped_and_isolated_by_organization()
    {
        var (org, client, button, lamp) = await TenantAsync();
        var automation = await ButtonSwitchesLampAsync(client, button.Id, lamp.Id);
        for (var i = 0; i < 3; i++)
        {
            await _app.ButtonPressedAsync(org, button.Id);
        }
        var all = await FinishedRunsAsync(client, automation.Id, 3);

        var page = await (await client.GetAsync($"/v1/automations/{automation.Id}/runs?limit=2", Ct)).ReadAsync(SmartApiJsonContext.Default.PageAutomationRunResponse);
        var rest = await (await client.GetAsync($"/v1/automations/{automation.Id}/runs?limit=2&after={page.NextCursor}", Ct))
            .ReadAsync(SmartApiJsonContext.Default.PageAutomationRunResponse);
        Assert.Equal(all.Select(r => r.Id), page.Data.Concat(rest.Data).Select(r => r.Id));
        Assert.True(page.HasMore);
        Assert.False(rest.HasMore);
        Assert.True(string.CompareOrdinal(all[0].Id, all[1].Id) > 0);

        var (otherOrg, other) = await _app.CreateTenantAsync("admin");
        await (await other.GetAsync($"/v1/automations/{automation.Id}/runs", Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        var readDevices = _app.CreateClient(await _app.CreateKeyAsync(["devices:read"], org));
        await (await readDevices.GetAsync($"/v1/automations/{automation.Id}/runs", Ct)).ProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");
        await (await client.GetAsync($"/v1/automations/{automation.Id}/runs?after=bogus", Ct)).ProblemAsync(HttpStatusCode.BadRequest, "invalid_cursor");

        // Another organization's events never trigger it, even on a device of the same serial space.
        var foreign = await SmartApiApplication.CreateDeviceAsync(other);
        await _app.ButtonPressedAsync(otherOrg, foreign.Id);
        await _app.ButtonPressedAsync(org, button.Id);
        Assert.Equal(4, (await FinishedRunsAsync(client, automation.Id, 4)).Count);
    }
}
