using System.Text;
using System.Text.Json;
using SmartApi.Webhooks.Events;

namespace SmartApi.Webhooks.Tests.Events;

public sealed class WebhookEventTests
{
    private static WebhookEvent Envelope(string type, string data) => WebhookEvent.Parse(
        $$"""{"id":"evt_1","type":"{{type}}","createdAt":"2026-11-25T17:46:08Z","organizationId":"org_1","data":{{data}}}""");

    [Fact]
    public void Parse_SpecExample_ReadsEnvelopeAndTypedData()
    {
        var json = """{"id":"evt_01","type":"device.switched","createdAt":"2026-11-25T17:46:08Z","organizationId":"org_01","data":{"deviceId":"dev_01","sequence":42,"state":"on","previousState":"off","source":"api","commandId":"cmd_01"}}""";

        var evt = WebhookEvent.Parse(Encoding.UTF8.GetBytes(json));

        Assert.Equal("evt_01", evt.Id);
        Assert.Equal(WebhookEventTypes.DeviceSwitched, evt.Type);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 17, 46, 8, TimeSpan.Zero), evt.CreatedAt);
        Assert.Equal("org_01", evt.OrganizationId);
        var data = Assert.IsType<DeviceSwitchedData>(evt.GetData());
        Assert.Equal(new DeviceSwitchedData("dev_01", 42, "on", "off", "api", "cmd_01"), data);
        Assert.Equal(data, evt.GetData<DeviceSwitchedData>());
    }

    public static TheoryData<string, string, WebhookEventData> Catalog => new()
    {
        { "device.created", """{"deviceId":"dev_1","sequence":1,"serial":"DT31-000123","name":"Kaffeemaschine ☕ Zürich"}""",
            new DeviceChangedData("dev_1", 1, "DT31-000123", "Kaffeemaschine ☕ Zürich") },
        { "device.erased", """{"deviceId":"dev_1","sequence":4,"erasureId":"era_1","erasedBy":"key_1"}""",
            new DeviceErasedData("dev_1", 4, "era_1", "key_1") },
        { "device.credentials_rotated", """{"deviceId":"dev_1","sequence":5,"serial":"DT31-000123","rotatedAt":"2026-11-25T17:46:08Z","rotatedBy":"key_1"}""",
            new DeviceCredentialsRotatedData("dev_1", 5, "DT31-000123", new DateTimeOffset(2026, 11, 25, 17, 46, 8, TimeSpan.Zero), "key_1") },
        { "device.online", """{"deviceId":"dev_1","sequence":2,"reason":"connected","lastSeenAt":"2026-11-25T17:46:08Z"}""",
            new DeviceConnectivityData("dev_1", 2, "connected", new DateTimeOffset(2026, 11, 25, 17, 46, 8, TimeSpan.Zero)) },
        { "device.offline", """{"deviceId":"dev_1","sequence":3,"reason":"keepalive_timeout","lastSeenAt":null}""",
            new DeviceConnectivityData("dev_1", 3, "keepalive_timeout") },
        { "device.switched", """{"deviceId":"dev_1","sequence":4,"state":"off","previousState":"unknown","source":"button"}""",
            new DeviceSwitchedData("dev_1", 4, "off", "unknown", "button") },
        { "device.button_pressed", """{"deviceId":"dev_1","sequence":5,"pressType":"double"}""",
            new DeviceButtonPressedData("dev_1", 5, "double") },
        { "device.overload", """{"deviceId":"dev_1","sequence":6,"kind":"overpower","value":3700.5,"limit":3680}""",
            new DeviceOverloadData("dev_1", 6, "overpower", 3700.5, 3680) },
        { "device.power.threshold_exceeded", """{"deviceId":"dev_1","sequence":7,"automationId":"aut_1","operator":"<","threshold":5,"value":1.2,"forSeconds":120}""",
            new PowerThresholdData("dev_1", 7, "aut_1", "<", 5, 1.2, 120) },
        { "device.power.threshold_cleared", """{"deviceId":"dev_1","sequence":8,"automationId":"aut_1","operator":"<","threshold":5,"value":7,"forSeconds":120}""",
            new PowerThresholdData("dev_1", 8, "aut_1", "<", 5, 7, 120) },
        { "device.energy.counter_reset", """{"deviceId":"dev_1","sequence":9,"previousWh":1234.5,"newWh":0}""",
            new EnergyCounterResetData("dev_1", 9, 1234.5, 0) },
        { "device.energy.reported", """{"deviceId":"dev_1","sequence":10,"periodStart":"2026-11-25T17:00:00Z","periodEnd":"2026-11-25T18:00:00Z","energyWh":12.5}""",
            new EnergyReportedData("dev_1", 10, new DateTimeOffset(2026, 11, 25, 17, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 25, 18, 0, 0, TimeSpan.Zero), 12.5) },
        { "energy.budget_exceeded",
            """{"budgetId":"bud_1","name":"Kitchen","deviceId":null,"tag":"room:kitchen","period":"day","periodStart":"2026-03-28T23:00:00Z","periodEnd":"2026-03-29T22:00:00Z","limitEnergyWh":5000,"limitCost":null,"energyWh":5012.5,"cost":null,"currency":null}""",
            new BudgetExceededData("bud_1", "Kitchen", null, "room:kitchen", "day", new DateTimeOffset(2026, 3, 28, 23, 0, 0, TimeSpan.Zero),
                new DateTimeOffset(2026, 3, 29, 22, 0, 0, TimeSpan.Zero), 5000, null, 5012.5, null, null) },
        { "command.succeeded", """{"deviceId":"dev_1","sequence":11,"commandId":"cmd_1","action":"switch","error":null}""",
            new CommandData("dev_1", 11, "cmd_1", "switch") },
        { "command.failed", """{"deviceId":"dev_1","sequence":12,"commandId":"cmd_1","action":"switch","error":"relay stuck"}""",
            new CommandData("dev_1", 12, "cmd_1", "switch", "relay stuck") },
        { "command.expired", """{"deviceId":"dev_1","sequence":13,"commandId":"cmd_1","action":"switch"}""",
            new CommandData("dev_1", 13, "cmd_1", "switch") },
        { "automation.test", """{"automationId":"aut_1"}""", new AutomationTestData("aut_1") },
        { "automation.disabled", """{"automationId":"aut_1","reason":"gone"}""", new AutomationDisabledData("aut_1", "gone") },
        { "automation.webhook.failing", """{"automationId":"aut_1","actionIndex":0,"failureStreak":5,"nextProbeAt":"2026-11-25T17:00:30Z"}""",
            new AutomationWebhookCircuitData("aut_1", 0, 5, new DateTimeOffset(2026, 11, 25, 17, 0, 30, TimeSpan.Zero)) },
        { "automation.webhook.recovered", """{"automationId":"aut_1","actionIndex":0,"failureStreak":7,"nextProbeAt":null}""",
            new AutomationWebhookCircuitData("aut_1", 0, 7, null) },
        { "automation.scheduled", """{"automationId":"aut_1","scheduledFor":"2026-11-25T17:00:00Z","cron":"0 18 * * 1-5","timeZone":"Europe/Zurich"}""",
            new AutomationScheduledData("aut_1", new DateTimeOffset(2026, 11, 25, 17, 0, 0, TimeSpan.Zero), "0 18 * * 1-5", "Europe/Zurich") },
    };

    [Theory]
    [MemberData(nameof(Catalog))]
    public void GetData_EveryCatalogType_ReturnsItsRecord(string type, string data, WebhookEventData expected)
    {
        Assert.Equal(expected, Envelope(type, data).GetData());
    }

    [Fact]
    public void GetData_DeviceUpdated_ReadsChangesWithPreviousValues()
    {
        var data = Envelope("device.updated", """{"deviceId":"dev_1","sequence":1,"serial":"S","name":"New","changes":{"name":{"from":"Old"},"tags":{"from":{"room":"kitchen"}}}}""")
            .GetData<DeviceChangedData>();

        Assert.NotNull(data.Changes);
        Assert.Equal("Old", data.Changes["name"].From.GetString());
        Assert.Equal("kitchen", data.Changes["tags"].From.GetProperty("room").GetString());
    }

    [Fact]
    public void WebhookEventTypes_All_HasEveryCatalogTypeOnce()
    {
        Assert.Equal(23, WebhookEventTypes.All.Count);
        Assert.Equal(WebhookEventTypes.All.Count, WebhookEventTypes.All.Distinct().Count());
        foreach (var type in WebhookEventTypes.All)
        {
            Assert.Contains(type, Catalog.Select(row => row.Data.Item1).Append("device.updated").Append("device.deleted"));
        }
    }

    [Fact]
    public void GetData_UnknownType_IsNull()
    {
        var evt = Envelope("device.teleported", """{"deviceId":"dev_1","sequence":1}""");

        Assert.Null(evt.GetData());
        Assert.False(evt.TryGetData<DeviceSwitchedData>(out _));
    }

    [Fact]
    public void TryGetData_OtherType_IsFalse()
    {
        var evt = Envelope("automation.test", """{"automationId":"aut_1"}""");

        Assert.False(evt.TryGetData<DeviceSwitchedData>(out _));
        Assert.True(evt.TryGetData<AutomationTestData>(out var data));
        Assert.Equal("aut_1", data.AutomationId);
    }

    [Fact]
    public void Parse_NotAnEnvelope_ThrowsJsonException()
    {
        Assert.ThrowsAny<JsonException>(() => WebhookEvent.Parse("null"));
        Assert.ThrowsAny<JsonException>(() => WebhookEvent.Parse("{\"id\":"));
    }

    [Fact]
    public void Serialize_Envelope_IsCamelCase()
    {
        var evt = Envelope("automation.test", """{"automationId":"aut_1"}""");

        var json = JsonSerializer.Serialize(evt, WebhookJsonContext.Default.WebhookEvent);

        Assert.Contains("\"organizationId\":\"org_1\"", json, StringComparison.Ordinal);
        Assert.Contains("\"createdAt\":", json, StringComparison.Ordinal);
    }
}
