using WebhookEventTypes = SmartApi.Webhooks.Events.WebhookEventTypes;
using System.Collections.Frozen;
using System.Text.Json;
using SmartApi.Contracts;

namespace SmartApi.Server.Events;

/// <summary>
/// The catalog behind <c>GET /v1/event-types</c>: every type with a description and the JSON Schema
/// (2020-12) of its <c>data</c>. Device events always carry <c>deviceId</c> and <c>sequence</c>.
/// </summary>
internal static class EventCatalog
{
    private const string Device = """ "deviceId": {"type":"string","pattern":"^dev_"}, "sequence": {"type":"integer","minimum":1,"description":"The device's event counter: strictly increasing per device."} """;
    private const string Command = """ "commandId": {"type":"string","pattern":"^cmd_"}, "action": {"type":"string","enum":["switch"]}, "error": {"type":["string","null"]} """;
    private const string Threshold = """ "automationId": {"type":"string","pattern":"^aut_"}, "operator": {"type":"string","enum":["<","<=",">",">="]}, "threshold": {"type":"number"}, "value": {"type":"number"}, "forSeconds": {"type":"integer","minimum":0} """;
    private const string DeviceChange = """ "serial": {"type":"string"}, "name": {"type":"string"}, "changes": {"type":"object","description":"Changed fields with their previous value: {\"name\":{\"from\":\"Old\"}}.","additionalProperties":{"type":"object","properties":{"from":{}}}} """;
    private const string Online = """ "reason": {"type":"string","description":"connected, disconnected, keepalive_timeout, or server_restart."}, "lastSeenAt": {"type":["string","null"],"format":"date-time"} """;

    // Declared before All: static fields initialize in text order.
    private static readonly string[] DeviceRequired = ["deviceId", "sequence"];

    public static readonly IReadOnlyList<EventTypeResponse> All =
    [
        Entry(WebhookEventTypes.DeviceCreated, "A device was created through the API.", DeviceChange, "serial", "name"),
        Entry(WebhookEventTypes.DeviceUpdated, "A device's name, tags or settings changed.", DeviceChange, "serial", "name", "changes"),
        Entry(WebhookEventTypes.DeviceDeleted, "A device was deleted; its measurements are gone with it.", DeviceChange, "serial", "name"),
        Entry(WebhookEventTypes.DeviceOnline, "A device connected to the MQTT gateway.", Online, "reason"),
        Entry(WebhookEventTypes.DeviceOffline, "A device disconnected or its keep-alive expired.", Online, "reason"),
        Entry(WebhookEventTypes.DeviceSwitched, "A device's relay changed state.",
            """ "state": {"type":"string","enum":["on","off"]}, "previousState": {"type":"string","enum":["on","off","unknown"]}, "source": {"type":"string","enum":["button","api","automation","schedule","protection"]}, "commandId": {"type":["string","null"]} """,
            "state", "previousState", "source"),
        Entry(WebhookEventTypes.DeviceButtonPressed, "The device's button was pressed.",
            """ "pressType": {"type":"string","enum":["single","double","long"]} """, "pressType"),
        Entry(WebhookEventTypes.DeviceOverload, "The device detected an overload and protected the appliance.",
            """ "kind": {"type":"string","enum":["overpower","overcurrent","overtemperature"]}, "value": {"type":"number"}, "limit": {"type":"number"} """,
            "kind", "value", "limit"),
        Entry(WebhookEventTypes.PowerThresholdExceeded, "A power trigger's condition started to hold for its forSeconds.", Threshold,
            "automationId", "operator", "threshold", "value", "forSeconds"),
        Entry(WebhookEventTypes.PowerThresholdCleared, "A power trigger's condition stopped holding (past its hysteresis).", Threshold,
            "automationId", "operator", "threshold", "value", "forSeconds"),
        Entry(WebhookEventTypes.EnergyCounterReset, "The device's energy counter went down (reset or replaced); the server's own total never goes down.",
            """ "previousWh": {"type":"number"}, "newWh": {"type":"number"} """, "previousWh", "newWh"),
        Entry(WebhookEventTypes.EnergyReported, "Energy a device consumed in one clock hour.",
            """ "periodStart": {"type":"string","format":"date-time"}, "periodEnd": {"type":"string","format":"date-time"}, "energyWh": {"type":"number","minimum":0} """,
            "periodStart", "periodEnd", "energyWh"),
        Entry(WebhookEventTypes.CommandSucceeded, "A device carried out a command.", Command, "commandId", "action"),
        Entry(WebhookEventTypes.CommandFailed, "A device could not carry out a command.", Command, "commandId", "action", "error"),
        Entry(WebhookEventTypes.CommandExpired, "A command was not delivered before its time to live ran out.", Command, "commandId", "action"),
        Entry(WebhookEventTypes.AutomationTest, "Sent by POST /v1/automations/{id}/test to check a webhook.",
            """ "automationId": {"type":"string","pattern":"^aut_"} """, device: false, "automationId"),
        Entry(WebhookEventTypes.AutomationDisabled, "An automation's webhook was disabled (410 Gone, or failing for days).",
            """ "automationId": {"type":"string","pattern":"^aut_"}, "reason": {"type":"string","enum":["gone","failing"]} """,
            device: false, "automationId", "reason"),
        Entry(WebhookEventTypes.AutomationScheduled, "An automation's schedule fired and its conditions held; sent to that automation's webhooks only.",
            """ "automationId": {"type":"string","pattern":"^aut_"}, "scheduledFor": {"type":"string","format":"date-time","description":"The occurrence; after downtime the latest missed one."}, "cron": {"type":"string"}, "timeZone": {"type":"string"} """,
            device: false, "automationId", "scheduledFor", "cron", "timeZone"),
    ];

    public static readonly FrozenSet<string> Types = All.Select(e => e.Type).ToFrozenSet(StringComparer.Ordinal);

    private static EventTypeResponse Entry(string type, string description, string properties, params string[] required) =>
        Entry(type, description, properties, device: true, required);

    private static EventTypeResponse Entry(string type, string description, string properties, bool device, params string[] required)
    {
        var allProperties = device ? Device + "," + properties : properties;
        var allRequired = (device ? DeviceRequired : []).Concat(required).Select(r => $"\"{r}\"");
        var schema = $$"""{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","properties":{{{allProperties}}},"required":[{{string.Join(",", allRequired)}}]}""";
        return new EventTypeResponse(type, description, JsonSerializer.Deserialize(schema, EventDataJsonContext.Default.JsonElement));
    }
}
