using SmartApi.Storage;

namespace SmartApi.Server.Measurements;

/// <summary>
/// Stored measurement numbers as reads show them. Older versions refused only non-finite telemetry,
/// so a stored value may be infinite or absurdly large; such a value is left out (null), because JSON
/// cannot carry infinity and a read must never fail because of what is stored.
/// </summary>
internal static class StoredValues
{
    public static double? Power(double value) => TelemetryLimits.IsPower(value) ? value : null;

    public static double? Voltage(double? value) => value is { } v && TelemetryLimits.IsVoltage(v) ? v : null;

    public static double? Current(double? value) => value is { } v && TelemetryLimits.IsCurrent(v) ? v : null;

    public static double? Temperature(double? value) => value is { } v && TelemetryLimits.IsTemperature(v) ? v : null;

    public static double? Total(double value) => TelemetryLimits.IsTotal(value) ? value : null;
}
