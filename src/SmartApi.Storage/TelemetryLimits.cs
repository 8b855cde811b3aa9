namespace SmartApi.Storage;

/// <summary>
/// The physically plausible range of every number a device reports (docs/mqtt.md, "Telemetry
/// limits"). Sized for a DT31-class smart connector (230 V, 16 A, about 3.7 kW) with a wide margin
/// for other plugs and meters, and signed where a direction exists (solar feed-in gives negative
/// power and current). The gateway refuses a sample with a value outside as malformed; the stores
/// leave stored values outside out of their sums, so data written by older versions, which only
/// refused non-finite numbers, can neither overflow an aggregate nor fail a read.
/// </summary>
/// <remarks>
/// Bounded inputs keep every sum finite: a sum of n values each at most 1e12 in size overflows a
/// double only past 1e296 of them. Comparisons are written so that NaN is outside every range.
/// </remarks>
public static class TelemetryLimits
{
    /// <summary>Active power, W (negative: feed-in).</summary>
    public const double MinPowerW = -100_000, MaxPowerW = 100_000;

    /// <summary>RMS voltage, V.</summary>
    public const double MinVoltageV = 0, MaxVoltageV = 500;

    /// <summary>RMS current, A (negative: feed-in, for meters that sign it).</summary>
    public const double MinCurrentA = -100, MaxCurrentA = 100;

    /// <summary>The device's own energy counter, Wh (1 TWh: a century of 1 MW).</summary>
    public const double MinEnergyWh = 0, MaxEnergyWh = 1e12;

    /// <summary>The server's own energy total of a device, Wh: 100 kW for over a thousand years.</summary>
    public const double MaxTotalWh = 1e15;

    /// <summary>Device temperature, °C.</summary>
    public const double MinTemperatureC = -50, MaxTemperatureC = 150;

    /// <summary>
    /// Slack on the energy one sample may add over the previous one, on top of what
    /// <see cref="MaxPowerW"/> yields over the time between them (device clocks and counters are coarse).
    /// </summary>
    public const double EnergyStepSlackWh = 1_000;

    /// <summary>Whether <paramref name="value"/> lies in [<paramref name="min"/>, <paramref name="max"/>]; false for NaN.</summary>
    public static bool Within(double value, double min, double max) => value >= min && value <= max;

    /// <summary>Absent, or within the range.</summary>
    public static bool Within(double? value, double min, double max) => value is not { } v || Within(v, min, max);

    public static bool IsPower(double value) => Within(value, MinPowerW, MaxPowerW);

    public static bool IsVoltage(double value) => Within(value, MinVoltageV, MaxVoltageV);

    public static bool IsCurrent(double value) => Within(value, MinCurrentA, MaxCurrentA);

    public static bool IsEnergy(double value) => Within(value, MinEnergyWh, MaxEnergyWh);

    public static bool IsTemperature(double value) => Within(value, MinTemperatureC, MaxTemperatureC);

    /// <summary>Whether every present value of a sample lies within its range.</summary>
    public static bool AreValid(double? powerW, double? voltageV, double? currentA, double? energyWh, double? temperatureC) =>
        Within(powerW, MinPowerW, MaxPowerW)
        && Within(voltageV, MinVoltageV, MaxVoltageV)
        && Within(currentA, MinCurrentA, MaxCurrentA)
        && Within(energyWh, MinEnergyWh, MaxEnergyWh)
        && Within(temperatureC, MinTemperatureC, MaxTemperatureC);

    /// <summary>
    /// The most energy, Wh, a device may add between two samples <paramref name="elapsed"/> apart:
    /// <see cref="MaxPowerW"/> over that time plus <see cref="EnergyStepSlackWh"/>, and never more
    /// than a whole counter (<see cref="MaxEnergyWh"/>).
    /// </summary>
    public static double MaxEnergyStepWh(TimeSpan elapsed) =>
        Math.Min(MaxEnergyWh, MaxPowerW * Math.Max(0, elapsed.TotalHours) + EnergyStepSlackWh);

    /// <summary>A stored energy step (delta) that sums may include: finite, not negative, at most a whole counter.</summary>
    public static bool IsEnergyStep(double value) => Within(value, 0, MaxEnergyWh);

    /// <summary>
    /// A stored total (the server's own energy total, Wh) that reads may show and ingestion may add to:
    /// at most <see cref="MaxTotalWh"/>, which accepted samples cannot reach in centuries.
    /// </summary>
    public static bool IsTotal(double value) => Within(value, 0, MaxTotalWh);
}
