using System.Net;
using SmartApi.Contracts;

namespace SmartApi.Server.Tests.Automations;

/// <summary>Schedule and power triggers, conditions, switch actions and cooldown: what is accepted and what answers 400 naming the field.</summary>
public sealed class RuleValidationTests(AppFixture fixture) : ServerTest(fixture)
{
    private const string Hook = """{"type":"webhook","url":"https://erp.example.com/smart"}""";
    private const string Unknown = "dev_01M8BQWSSN0C43SSNM7Z9ZPGRB";

    [Theory]
    [InlineData("""{"schedule":{"cron":"0 18 * * 1-5","timeZone":"Mars/Olympus"}}""", "[HOOK]", "trigger.schedule.timeZone")]
    [InlineData("""{"schedule":{"cron":"61 * * * *"}}""", "[HOOK]", "trigger.schedule.cron")]
    [InlineData("""{"schedule":{"cron":"every day"}}""", "[HOOK]", "trigger.schedule.cron")]
    [InlineData("""{"schedule":{"timeZone":"UTC"}}""", "[HOOK]", "trigger.schedule.cron")]
    [InlineData("""{"schedule":{"cron":"0 18 * * *"},"events":["*"]}""", "[HOOK]", "trigger")]
    [InlineData("""{"power":{"deviceIds":[],"operator":"<","value":5}}""", "[HOOK]", "trigger.power.deviceIds")]
    [InlineData("""{"power":{"deviceIds":["UNKNOWN"],"operator":"<","value":5}}""", "[HOOK]", "trigger.power.deviceIds")]
    [InlineData("""{"power":{"deviceIds":["DEV"],"operator":"=","value":5}}""", "[HOOK]", "trigger.power.operator")]
    [InlineData("""{"power":{"deviceIds":["DEV"],"operator":"<"}}""", "[HOOK]", "trigger.power.value")]
    [InlineData("""{"power":{"deviceIds":["DEV"],"operator":"<","value":5,"forSeconds":-1}}""", "[HOOK]", "trigger.power.forSeconds")]
    [InlineData("""{"power":{"deviceIds":["DEV"],"operator":"<","value":5,"hysteresis":-1}}""", "[HOOK]", "trigger.power.hysteresis")]
    [InlineData("""{"power":{"deviceIds":["DEV"],"operator":"<","value":5},"deviceIds":["DEV"]}""", "[HOOK]", "trigger.deviceIds")]
    [InlineData("""{"events":["*"]}""", """[{"type":"switch","state":"on"}]""", "actions[0].deviceId")]
    [InlineData("""{"events":["*"]}""", """[{"type":"switch","deviceId":"UNKNOWN","state":"on"}]""", "actions[0].deviceId")]
    [InlineData("""{"events":["*"]}""", """[{"type":"switch","deviceId":"DEV"}]""", "actions[0].state")]
    [InlineData("""{"events":["*"]}""", """[{"type":"switch","deviceId":"DEV","state":"on","revertAfterSeconds":0}]""", "actions[0].revertAfterSeconds")]
    [InlineData("""{"events":["*"]}""", """[{"type":"switch","deviceId":"DEV","state":"on","url":"https://x.example"}]""", "actions[0]")]
    public async Task Invalid_rules_are_400_naming_the_field(string trigger, string actions, string field)
    {
        var device = await SmartApiApplication.CreateDeviceAsync(App.Admin);
        var body = $$$"""{"name":"x","trigger":{{{trigger}}},"actions":{{{actions}}}}""";
        var response = await App.Admin.PostJsonAsync("/v1/automations", Fill(body, device.Id));
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Theory]
    [InlineData("""[{"type":"switch","deviceId":"DEV","state":"dimmed"}]""", "conditions[0].state")]
    [InlineData("""[{"type":"switch","deviceId":"UNKNOWN","state":"on"}]""", "conditions[0].deviceId")]
    [InlineData("""[{"type":"switch","deviceId":"DEV","state":"on","value":3}]""", "conditions[0].value")]
    [InlineData("""[{"type":"power","deviceId":"DEV","operator":"<"}]""", "conditions[0].value")]
    [InlineData("""[{"type":"power","deviceId":"DEV","operator":"!=","value":1}]""", "conditions[0].operator")]
    [InlineData("""[{"type":"time","from":"18:00","to":"25:00"}]""", "conditions[0].to")]
    [InlineData("""[{"type":"time","from":"6pm","to":"06:00"}]""", "conditions[0].from")]
    [InlineData("""[{"type":"time","from":"06:00","to":"06:00"}]""", "conditions[0].to")]
    [InlineData("""[{"type":"time","from":"18:00","to":"06:00","timeZone":"Nowhere/Else"}]""", "conditions[0].timeZone")]
    [InlineData("""[{"type":"weekdays","days":[]}]""", "conditions[0].days")]
    [InlineData("""[{"type":"weekdays","days":["mon","funday"]}]""", "conditions[0].days")]
    [InlineData("""[{"type":"weekdays","days":["mon"],"deviceId":"DEV"}]""", "conditions[0].deviceId")]
    [InlineData("""[{"deviceId":"DEV"}]""", "conditions[0].type")]
    public async Task Invalid_conditions_are_400_naming_the_field(string conditions, string field)
    {
        var device = await SmartApiApplication.CreateDeviceAsync(App.Admin);
        var body = $$$"""{"name":"x","trigger":{"events":["*"]},"conditions":{{{conditions}}},"actions":[{{{Hook}}}]}""";
        var response = await App.Admin.PostJsonAsync("/v1/automations", Fill(body, device.Id));
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(604801)]
    public async Task Cooldown_out_of_range_is_400(int cooldown)
    {
        var response = await App.Admin.PostJsonAsync("/v1/automations",
            $$$"""{"name":"x","trigger":{"events":["*"]},"cooldownSeconds":{{{cooldown}}},"actions":[{{{Hook}}}]}""");
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("cooldownSeconds", out _));
    }

    [Fact]
    public async Task A_device_of_another_organization_is_refused_like_an_unknown_one()
    {
        var (_, other) = await App.CreateTenantAsync("devices:write", "automations:write");
        var foreign = await SmartApiApplication.CreateDeviceAsync(other);
        var response = await App.Admin.PostJsonAsync("/v1/automations",
            $$$"""{"name":"x","trigger":{"events":["*"]},"actions":[{"type":"switch","deviceId":"{{{foreign.Id}}}","state":"on"}]}""");
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("actions[0].deviceId", out _));
    }

    [Fact]
    public async Task Schedule_power_conditions_and_switch_actions_round_trip()
    {
        var device = await SmartApiApplication.CreateDeviceAsync(App.Admin);
        var lamp = await SmartApiApplication.CreateDeviceAsync(App.Admin);
        var created = await EngineTestKit.CreateAutomationAsync(App.Admin, $$$"""
            {"name":"Washer done","trigger":{"power":{"deviceIds":["{{{device.Id}}}"],"operator":"<","value":5,"forSeconds":120,"hysteresis":1}},
             "conditions":[{"type":"switch","deviceId":"{{{lamp.Id}}}","state":"off"},{"type":"power","deviceId":"{{{device.Id}}}","operator":">=","value":0},
                           {"type":"time","from":"18:00","to":"06:00","timeZone":"Europe/Zurich"},{"type":"weekdays","days":["sun","MON"]}],
             "actions":[{"type":"switch","deviceId":"{{{lamp.Id}}}","state":"toggle","revertAfterSeconds":600},{{{Hook}}}],
             "cooldownSeconds":900}
            """);
        var scheduled = await EngineTestKit.CreateAutomationAsync(App.Admin,
            """{"name":"Evening","trigger":{"schedule":{"cron":"0 18 * * 1-5","timeZone":"Europe/Zurich"}},"actions":[{"type":"webhook","url":"https://erp.example.com/x"}]}""");

        var fetched = await (await App.Admin.GetAsync($"/v1/automations/{created.Id}", Ct)).ReadAsync(SmartApiJsonContext.Default.AutomationResponse);
        var power = fetched.Trigger.Power!;
        Assert.Equal(("<", 5.0, 120, 1.0), (power.Operator, power.Value!.Value, power.ForSeconds!.Value, power.Hysteresis!.Value));
        Assert.Equal([device.Id], power.DeviceIds);
        Assert.Null(fetched.Trigger.Events);
        Assert.Equal(["switch", "power", "time", "weekdays"], fetched.Conditions.Select(c => c.Type));
        Assert.Equal(["mon", "sun"], fetched.Conditions[3].Days); // normalized and in week order
        Assert.Equal("UTC", fetched.Conditions[3].TimeZone);
        var toggle = fetched.Actions[0];
        Assert.Equal(("switch", lamp.Id, SwitchAction.Toggle, 600, (string?)null), (toggle.Type, toggle.DeviceId, toggle.State, toggle.RevertAfterSeconds, toggle.Url));
        Assert.Equal(("webhook", "active"), (fetched.Actions[1].Type, fetched.Actions[1].Status));
        Assert.Equal(900, fetched.CooldownSeconds);
        Assert.Equal(new ScheduleTrigger("0 18 * * 1-5", "Europe/Zurich"), scheduled.Trigger.Schedule);

        // PATCH keeps what it does not name; cooldown 0 removes it.
        var patched = await (await App.Admin.PatchJsonAsync($"/v1/automations/{created.Id}", """{"cooldownSeconds":0}"""))
            .ReadAsync(SmartApiJsonContext.Default.AutomationResponse);
        Assert.Null(patched.CooldownSeconds);
        Assert.Equal(4, patched.Conditions.Count);
    }

    private static string Fill(string body, string deviceId) =>
        body.Replace("[HOOK]", $"[{Hook}]", StringComparison.Ordinal).Replace("UNKNOWN", Unknown, StringComparison.Ordinal)
            .Replace("\"DEV\"", $"\"{deviceId}\"", StringComparison.Ordinal);
}
