namespace SmartApi.Storage;

/// <summary>
/// What <see cref="IMeasurementStore.ExportMeasurementsAsync"/> reads: the samples of <see cref="DeviceIds"/> with
/// <c>From &lt;= ts &lt; To</c>, in (device id, ts) order, after <see cref="After"/> when given. Rows are read in keyset
/// pages of <see cref="PageSize"/>, each page on its own short read.
/// </summary>
public sealed record MeasurementExport(IReadOnlyList<string> DeviceIds, DateTimeOffset From, DateTimeOffset To, MeasurementKey? After = null, int PageSize = MeasurementExport.DefaultPageSize)
{
    public const int DefaultPageSize = 10_000;
}

/// <summary>A position in an export: the row of <see cref="DeviceId"/> at <see cref="TsMs"/> (unix milliseconds).</summary>
public readonly record struct MeasurementKey(string DeviceId, long TsMs);

/// <summary>One exported sample; <see cref="TsMs"/> in unix milliseconds, <see cref="EnergyWh"/> consumed since the device's previous sample.</summary>
public readonly record struct ExportedMeasurement(
    string DeviceId,
    long TsMs,
    double PowerW,
    double? VoltageV,
    double? CurrentA,
    double? TemperatureC,
    double TotalWh,
    double EnergyWh);
