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

    /// <summary>Energy consumed in one clock hour (<see cref="EnergyReportedData"/>).</summary>
    public const string EnergyReported = "device.energy.reported";

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

    /// <summary>An automation's schedule fired and its conditions held (<see cref="AutomationScheduledData"/>); sent to that automation's webhooks only.</summary>
    public const string AutomationScheduled = "automation.scheduled";

    /// <summary>Every type in the catalog, in catalog order.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        DeviceCreated, DeviceUpdated, DeviceDeleted, DeviceOnline, DeviceOffline, DeviceSwitched,
        DeviceButtonPressed, DeviceOverload, PowerThresholdExceeded, PowerThresholdCleared,
        EnergyCounterReset, EnergyReported, CommandSucceeded, CommandFailed, CommandExpired,
        AutomationTest, AutomationDisabled, AutomationScheduled,
    ];
}
