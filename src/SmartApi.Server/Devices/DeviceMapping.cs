using SmartApi.Contracts;
using SmartApi.Server.Measurements;
using SmartApi.Storage;

namespace SmartApi.Server.Devices;

/// <summary>Entity to contract mapping; the storage keeps enum values as their wire strings.</summary>
internal static class DeviceMapping
{
    public static DeviceResponse ToResponse(this Device d, DeviceCredentials? credentials = null) => new(
        d.Id, d.OrganizationId, d.Serial, d.Name, d.Model, d.Tags,
        new DeviceSettings(ParsePowerOnState(d.PowerOnState)),
        d.Online, d.LastSeenAt, ParseSwitch(d.Switch),
        Latest(d.Latest),
        d.CreatedAt, d.UpdatedAt, credentials);

    // Power and total are not optional on the wire: a latest sample without them (stored by an
    // older version that accepted any finite number) is shown as none.
    private static LatestMeasurement? Latest(Measurement? m) =>
        m is not null && StoredValues.Power(m.PowerW) is { } power && StoredValues.Total(m.TotalWh) is { } total
            ? new LatestMeasurement(m.Ts, power, StoredValues.Voltage(m.VoltageV), StoredValues.Current(m.CurrentA), total, StoredValues.Temperature(m.TemperatureC))
            : null;

    public static CommandResponse ToResponse(this Command c) => new(
        c.Id, c.DeviceId, c.Action, ParseAction(c.State), ParseStatus(c.Status), c.CreatedAt, c.UpdatedAt, c.ExpiresAt, c.Error, c.Source, c.AutomationId);

    public static string ToWire(this PowerOnState state) => state switch
    {
        PowerOnState.On => "on",
        PowerOnState.Off => "off",
        _ => "last",
    };

    public static string ToWire(this SwitchAction action) => action switch
    {
        SwitchAction.On => "on",
        SwitchAction.Off => "off",
        _ => "toggle",
    };

    public static string ToWire(this CommandStatus status) => status.ToString().ToLowerInvariant();

    private static PowerOnState ParsePowerOnState(string value) => value switch
    {
        "on" => PowerOnState.On,
        "off" => PowerOnState.Off,
        _ => PowerOnState.Last,
    };

    private static SwitchState ParseSwitch(string value) => value switch
    {
        "on" => SwitchState.On,
        "off" => SwitchState.Off,
        _ => SwitchState.Unknown,
    };

    /// <summary>A batch's commands (all of one state) as the bulk switch answers them; no batch id when there are none.</summary>
    public static SwitchBatchResponse ToBatchResponse(this IReadOnlyList<Command> commands, SwitchAction state) => new(
        commands.Count == 0 ? null : commands[0].BatchId, state,
        [.. commands.Select(c => new BatchCommand(c.DeviceId, c.Id, ParseStatus(c.Status), c.Error))]);

    public static SwitchAction ParseAction(string value) => value switch
    {
        "on" => SwitchAction.On,
        "off" => SwitchAction.Off,
        _ => SwitchAction.Toggle,
    };

    private static CommandStatus ParseStatus(string value) =>
        Enum.TryParse<CommandStatus>(value, ignoreCase: true, out var status) ? status : CommandStatus.Pending;
}
