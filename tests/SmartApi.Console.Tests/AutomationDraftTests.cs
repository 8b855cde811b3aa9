using System.Net;
using SmartApi.Client;
using SmartApi.Contracts;
using SmartApi.WebConsole.Shared;

namespace SmartApi.Console.Tests;

/// <summary>The automation form's model without a browser: what it sends, where the API's messages go, how the list reads.</summary>
public sealed class AutomationDraftTests
{
    private static AutomationResponse Stored(AutomationTrigger trigger, IReadOnlyList<AutomationCondition> conditions, IReadOnlyList<AutomationActionResponse> actions, int? cooldown = null) =>
        new("aut_1", "org_1", "Stored", false, trigger, conditions, actions, cooldown, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);

    [Fact]
    public void A_stored_automation_goes_back_as_the_same_request_with_masked_headers_kept_as_masked()
    {
        var conditions = new List<AutomationCondition>
        {
            new("switch", DeviceId: "dev_1", State: "off"),
            new("power", DeviceId: "dev_2", Operator: "<=", Value: 5),
            new("time", From: "22:00", To: "06:00", TimeZone: "Europe/Zurich"),
            new("weekdays", Days: ["mon", "fri"], TimeZone: "UTC"),
        };
        var actions = new List<AutomationActionResponse>
        {
            new("webhook", "https://example.com/in", new Dictionary<string, string> { ["Authorization"] = "***" }, true, true, "disabled", "gone"),
            new("switch", null, null, false, false, null, DeviceId: "dev_1", State: SwitchAction.Toggle, RevertAfterSeconds: 30),
        };
        var request = AutomationDraft.From(Stored(new AutomationTrigger(Schedule: new ScheduleTrigger("0 18 * * 1-5", "Europe/Zurich")), conditions, actions, 60))
            .ToRequest(includeEnabled: false);

        Assert.Null(request.Enabled);
        Assert.Equal(60, request.CooldownSeconds);
        Assert.Equal(new ScheduleTrigger("0 18 * * 1-5", "Europe/Zurich"), request.Trigger!.Schedule);
        Assert.Null(request.Trigger.Events);
        Assert.Equal(conditions.Take(3), request.Conditions!.Take(3));
        Assert.Equal(["mon", "fri"], request.Conditions![3].Days);
        var webhook = request.Actions![0];
        Assert.Equal(("webhook", "https://example.com/in", true, true), (webhook.Type, webhook.Url, webhook.Ordered, webhook.StandardWebhooks));
        Assert.Equal(new Dictionary<string, string> { ["Authorization"] = "***" }, webhook.Headers);
        Assert.Null(webhook.DeviceId);
        Assert.Equal(new AutomationActionRequest("switch", DeviceId: "dev_1", State: SwitchAction.Toggle, RevertAfterSeconds: 30), request.Actions[1]);
    }

    [Fact]
    public void A_switch_action_on_a_tag_goes_back_with_its_tag_and_reads_as_the_tag()
    {
        var action = new AutomationActionResponse("switch", null, null, false, false, null, State: SwitchAction.Off, Tag: "room:office");
        var draft = ActionDraft.From(action);
        var blank = ActionDraft.Switch();
        blank.Tag = "  ";
        blank.DeviceId = "dev_1";

        var request = draft.ToRequest();

        Assert.Equal(("switch", "room:office", null, SwitchAction.Off), (request.Type, request.Tag, request.DeviceId, request.State));
        Assert.Null(blank.ToRequest().Tag);
        Assert.Contains("tag", draft.Fields());
        Assert.Equal("switch tag room:office off", AutomationText.Action(action));
    }

    [Fact]
    public void An_events_trigger_sends_star_for_all_events_and_no_cooldown_as_zero()
    {
        var draft = AutomationDraft.From(Stored(new AutomationTrigger(["*"], ["dev_1"]), [], []));
        Assert.True(draft.Trigger.AllEvents);
        var request = draft.ToRequest();
        Assert.Equal(["*"], request.Trigger!.Events);
        Assert.Equal(["dev_1"], request.Trigger.DeviceIds);
        Assert.Equal(0, request.CooldownSeconds);
        Assert.False(request.Enabled);

        draft.Trigger.AllEvents = false;
        draft.Trigger.Events = ["device.online"];
        draft.Trigger.EventDevices = [];
        var trigger = draft.ToRequest().Trigger!;
        Assert.Equal(["device.online"], trigger.Events);
        Assert.Null(trigger.DeviceIds);
    }

    [Fact]
    public void Messages_at_a_field_of_the_form_stay_there_and_the_others_go_to_the_top()
    {
        var draft = AutomationDraft.New();
        draft.Conditions.Add(new ConditionDraft { Type = "time" });
        var problem = new AutomationProblem(new SmartApiException(HttpStatusCode.BadRequest, "validation_failed", "Invalid", null, new Dictionary<string, string[]>
        {
            ["trigger.events[1]"] = ["Unknown event type 'x'."],
            ["actions[0].url"] = ["url must be an absolute http or https URL."],
            ["conditions[0].timeZone"] = ["Unknown time zone."],
            ["conditions[0].deviceId"] = ["Not a field of a time condition."],
            ["actions[3].url"] = ["No such action."],
        }));

        Assert.Equal("Unknown event type 'x'.", problem.At("trigger.events", items: true));
        Assert.Null(problem.At("trigger.events"));
        Assert.Equal("url must be an absolute http or https URL.", problem.At("actions[0].url"));
        Assert.Equal(
            ["conditions[0].deviceId: Not a field of a time condition.", "actions[3].url: No such action."],
            problem.Unplaced(draft.FieldPaths()));

        var withoutFields = new AutomationProblem(new SmartApiException(HttpStatusCode.Conflict, "quota_exceeded", "Quota", "At most 100 automations."));
        Assert.Equal(["At most 100 automations."], withoutFields.Unplaced(draft.FieldPaths()));
    }

    [Fact]
    public void The_list_reads_each_trigger_and_action_as_one_line()
    {
        string Name(string id) => id == "dev_1" ? "Kettle" : id;
        Assert.Equal("device.switched, device.online", AutomationText.Trigger(new(["device.switched", "device.online"])));
        Assert.Equal("all events (on Kettle)", AutomationText.Trigger(new(["*"], ["dev_1"]), Name));
        Assert.Equal("cron 0 18 * * 1-5 Europe/Zurich", AutomationText.Trigger(new(Schedule: new("0 18 * * 1-5", "Europe/Zurich"))));
        Assert.Equal("cron 0 * * * * UTC", AutomationText.Trigger(new(Schedule: new("0 * * * *"))));
        Assert.Equal("power > 1000 W for 60 s (on Kettle, dev_2)", AutomationText.Trigger(new(Power: new(["dev_1", "dev_2"], ">", 1000, 60)), Name));
        Assert.Equal("power <= 2.5 W (on Kettle)", AutomationText.Trigger(new(Power: new(["dev_1"], "<=", 2.5)), Name));
        Assert.Equal("switch Kettle off, back after 30 s",
            AutomationText.Action(new("switch", null, null, false, false, null, DeviceId: "dev_1", State: SwitchAction.Off, RevertAfterSeconds: 30), Name));
        Assert.Equal("webhook https://example.com/in", AutomationText.Action(new("webhook", "https://example.com/in", null, false, false, "active")));
        Assert.Equal("disabled (gone)", AutomationText.Status("disabled", "gone"));
    }
}
