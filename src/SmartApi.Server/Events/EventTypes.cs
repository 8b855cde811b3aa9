namespace SmartApi.Server.Events;

/// <summary>Event type names (SPEC: Event catalog).</summary>
internal static class EventTypes
{
    public const string DeviceCreated = "device.created";
    public const string DeviceUpdated = "device.updated";
    public const string DeviceDeleted = "device.deleted";
    public const string DeviceOnline = "device.online";
    public const string DeviceOffline = "device.offline";
    public const string DeviceSwitched = "device.switched";
    public const string DeviceButtonPressed = "device.button_pressed";
    public const string DeviceOverload = "device.overload";
    public const string PowerThresholdExceeded = "device.power.threshold_exceeded";
    public const string PowerThresholdCleared = "device.power.threshold_cleared";
    public const string EnergyCounterReset = "device.energy.counter_reset";
    public const string EnergyReported = "device.energy.reported";
    public const string CommandSucceeded = "command.succeeded";
    public const string CommandFailed = "command.failed";
    public const string CommandExpired = "command.expired";
    public const string AutomationTest = "automation.test";
    public const string AutomationDisabled = "automation.disabled";
}
