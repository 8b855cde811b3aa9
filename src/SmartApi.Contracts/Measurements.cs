using System.Text.Json.Serialization;

namespace SmartApi.Contracts;

/// <summary>
/// One point of a measurement series. Raw points carry what the device reported
/// (<c>powerW</c>, <c>voltageV</c>, <c>currentA</c>, <c>temperatureC</c>) and the server's energy
/// total (<c>energyWh</c>); bucket points carry <c>avgPowerW</c>, <c>minPowerW</c>, <c>maxPowerW</c>,
/// the energy consumed in the bucket (<c>energyWh</c>) and the number of <c>samples</c>.
/// </summary>
/// <param name="Ts">The sample time, or the start of the bucket.</param>
public sealed record MeasurementPoint(
    DateTimeOffset Ts,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? PowerW = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? VoltageV = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? CurrentA = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? TemperatureC = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? AvgPowerW = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? MinPowerW = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? MaxPowerW = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? EnergyWh = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Samples = null);
