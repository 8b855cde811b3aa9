namespace SmartApi.Webhooks.Events;

/// <summary>The event types of the Smart API event catalog.</summary>
public static class WebhookEventTypes
{
    /// <summary>A device was created through the API (<see cref="DeviceChangedData"/>).</summary>
    public const string DeviceCreated = "device.created";

    /// <summary>A device's name, tags or settings changed (<see cref="DeviceChangedData"/>).</summary>
    public const string DeviceUpdated = "device.updated";

    /// <summary>A device was deleted (<see cref="DeviceChangedData"/>).</summary>
    public const string DeviceDeleted = "device.deleted";

    /// <summary>A device's measurements and the payloads of its events and deliveries were erased (<see cref="DeviceErasedData"/>).</summary>
    public const string DeviceErased = "device.erased";

    /// <summary>A device's MQTT password was replaced through the API (<see cref="DeviceCredentialsRotatedData"/>).</summary>
    public const string DeviceCredentialsRotated = "device.credentials_rotated";

    /// <summary>A device connected (<see cref="DeviceConnectivityData"/>).</summary>
    public const string DeviceOnline = "device.online";

    /// <summary>A device disconnected or its keep-alive expired (<see cref="DeviceConnectivityData"/>).</summary>
    public const string DeviceOffline = "device.offline";

    /// <summary>A device's relay changed state (<see cref="DeviceSwitchedData"/>).</summary>
    public const string DeviceSwitched = "device.switched";

    /// <summary>The device's button was pressed (<see cref="DeviceButtonPressedData"/>).</summary>
    public const string DeviceButtonPressed = "device.button_pressed";

    /// <summary>The device detected an overload (<see cref="DeviceOverloadData"/>).</summary>
    public const string DeviceOverload = "device.overload";

    /// <summary>A power trigger's condition started to hold (<see cref="PowerThresholdData"/>).</summary>
    public const string PowerThresholdExceeded = "device.power.threshold_exceeded";

    /// <summary>A power trigger's condition stopped holding (<see cref="PowerThresholdData"/>).</summary>
    public const string PowerThresholdCleared = "device.power.threshold_cleared";

    /// <summary>The device's energy counter went down (<see cref="EnergyCounterResetData"/>).</summary>
    public const string EnergyCounterReset = "device.energy.counter_reset";

    /// <summary>Energy consumed in one clock hour, or one local day (<see cref="EnergyReportedData"/>).</summary>
    public const string EnergyReported = "device.energy.reported";

    /// <summary>A budget's consumption or cost passed its limit in the current local day or month (<see cref="BudgetExceededData"/>).</summary>
    public const string BudgetExceeded = "energy.budget_exceeded";

    /// <summary>A device carried out a command (<see cref="CommandData"/>).</summary>
    public const string CommandSucceeded = "command.succeeded";

    /// <summary>A device could not carry out a command (<see cref="CommandData"/>).</summary>
    public const string CommandFailed = "command.failed";

    /// <summary>A command expired before delivery (<see cref="CommandData"/>).</summary>
    public const string CommandExpired = "command.expired";

    /// <summary>A test event sent by <c>POST /v1/automations/{id}/test</c> (<see cref="AutomationTestData"/>).</summary>
    public const string AutomationTest = "automation.test";

    /// <summary>An automation's webhook was disabled (<see cref="AutomationDisabledData"/>).</summary>
    public const string AutomationDisabled = "automation.disabled";

    /// <summary>An automation's webhook failed often enough in a row that its circuit opened (<see cref="AutomationWebhookCircuitData"/>).</summary>
    public const string AutomationWebhookFailing = "automation.webhook.failing";

    /// <summary>An automation's webhook succeeded again and its circuit closed (<see cref="AutomationWebhookCircuitData"/>).</summary>
    public const string AutomationWebhookRecovered = "automation.webhook.recovered";

    /// <summary>An automation's schedule fired and its conditions held (<see cref="AutomationScheduledData"/>); sent to that automation's webhooks only.</summary>
    public const string AutomationScheduled = "automation.scheduled";

    /// <summary>
    /// The catalog: every type with its description and data record, in catalog order. Adding a type is one
    /// record in WebhookEventData.cs and one entry here.
    /// </summary>
    public static IReadOnlyList<WebhookEventType> Catalog { get; } =
    [
        new(DeviceCreated, "A device was created through the API.", WebhookJsonContext.Default.DeviceChangedData),
        new(DeviceUpdated, "A device's name, tags or settings changed.", WebhookJsonContext.Default.DeviceChangedData, "changes"),
        new(DeviceDeleted, "A device was deleted; its measurements are gone with it.", WebhookJsonContext.Default.DeviceChangedData),
        new(DeviceErased, "A device's measurements and the payloads of its earlier events and deliveries were erased; ids and types remain.",
            WebhookJsonContext.Default.DeviceErasedData),
        new(DeviceCredentialsRotated, "A device's MQTT password was replaced (POST /v1/devices/{id}/rotate-credentials); the old one is refused from then on. The password itself is never in an event.",
            WebhookJsonContext.Default.DeviceCredentialsRotatedData),
        new(DeviceOnline, "A device connected to the MQTT gateway.", WebhookJsonContext.Default.DeviceConnectivityData),
        new(DeviceOffline, "A device disconnected or its keep-alive expired.", WebhookJsonContext.Default.DeviceConnectivityData),
        new(DeviceSwitched, "A device's relay changed state.", WebhookJsonContext.Default.DeviceSwitchedData),
        new(DeviceButtonPressed, "The device's button was pressed.", WebhookJsonContext.Default.DeviceButtonPressedData),
        new(DeviceOverload, "The device detected an overload and protected the appliance.", WebhookJsonContext.Default.DeviceOverloadData),
        new(PowerThresholdExceeded, "A power trigger's condition started to hold for its forSeconds.", WebhookJsonContext.Default.PowerThresholdData),
        new(PowerThresholdCleared, "A power trigger's condition stopped holding (past its hysteresis).", WebhookJsonContext.Default.PowerThresholdData),
        new(EnergyCounterReset, "The device's energy counter went down (reset or replaced); the server's own total never goes down.",
            WebhookJsonContext.Default.EnergyCounterResetData),
        new(EnergyReported, "Energy a device consumed in one clock hour, or in one local day (SmartApi:Energy:ReportPeriod).",
            WebhookJsonContext.Default.EnergyReportedData),
        new(BudgetExceeded, "A budget's device or tag passed its energy or cost limit in the current local day or month; once per budget and period.",
            WebhookJsonContext.Default.BudgetExceededData),
        new(CommandSucceeded, "A device carried out a command.", WebhookJsonContext.Default.CommandData),
        new(CommandFailed, "A device could not carry out a command.", WebhookJsonContext.Default.CommandData, "error"),
        new(CommandExpired, "A command was not delivered before its time to live ran out.", WebhookJsonContext.Default.CommandData),
        new(AutomationTest, "Sent by POST /v1/automations/{id}/test to check a webhook.", WebhookJsonContext.Default.AutomationTestData),
        new(AutomationDisabled, "An automation's webhook was disabled (410 Gone, or failing for days).", WebhookJsonContext.Default.AutomationDisabledData),
        new(AutomationWebhookFailing, "An automation's webhook failed failureThreshold times in a row: its circuit opened, and one probe per interval tests it.",
            WebhookJsonContext.Default.AutomationWebhookCircuitData),
        new(AutomationWebhookRecovered, "An automation's webhook whose circuit was open succeeded again: its circuit closed and held deliveries go out.",
            WebhookJsonContext.Default.AutomationWebhookCircuitData),
        new(AutomationScheduled, "An automation's schedule fired and its conditions held; sent to that automation's webhooks only.",
            WebhookJsonContext.Default.AutomationScheduledData),
    ];

    /// <summary>Every type in the catalog, in catalog order.</summary>
    public static IReadOnlyList<string> All { get; } = [.. Catalog.Select(t => t.Name)];

    private static readonly Dictionary<string, WebhookEventType> ByName = Catalog.ToDictionary(t => t.Name, StringComparer.Ordinal);

    /// <summary>The catalog entry of <paramref name="type"/>; null for a type this library version does not know.</summary>
    public static WebhookEventType? Find(string type) => ByName.GetValueOrDefault(type);
}
