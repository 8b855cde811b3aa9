namespace SmartApi.Simulator;

/// <summary>The appliance behind a simulated connector; each draws power the way the real one does.</summary>
public enum LoadProfile
{
    /// <summary>Standby most of the time; boils at about 2 kW for three minutes a few times an hour.</summary>
    Kettle,

    /// <summary>Compressor cycles: a start-up spike, about 120 W for 15 minutes, then 25 minutes near zero.</summary>
    Fridge,

    /// <summary>A 90-minute programme (heating 2 kW, washing 200 W, spinning 500 W) every few hours.</summary>
    WashingMachine,

    /// <summary>60-150 W with noise while in use, a few watts in standby at night.</summary>
    Pc,

    /// <summary>A 9 W LED lamp.</summary>
    Lamp,
}

/// <summary>Power draw of each profile over time, deterministic for a seed so runs can be compared.</summary>
public static class LoadProfiles
{
    /// <summary>The power in W the appliance draws at <paramref name="at"/> while the relay is on.</summary>
    /// <param name="phase">The device's own offset, so a fleet does not switch in lockstep.</param>
    public static double PowerAt(LoadProfile profile, DateTimeOffset at, TimeSpan phase, Random noise)
    {
        var t = at.ToUnixTimeMilliseconds() / 1000.0 + phase.TotalSeconds;
        double Cycle(double periodSeconds) => t % periodSeconds;
        double Jitter(double spread) => (noise.NextDouble() - 0.5) * spread;
        switch (profile)
        {
            case LoadProfile.Kettle:
                return Cycle(1800) < 180 ? 1950 + Jitter(60) : 0.4;
            case LoadProfile.Fridge:
                var fridge = Cycle(2400);
                return fridge < 3 ? 420 + Jitter(40) : fridge < 900 ? 118 + Jitter(8) : 1.1;
            case LoadProfile.WashingMachine:
                var wash = Cycle(4 * 3600);
                return wash switch
                {
                    < 900 => 2050 + Jitter(80),
                    < 3600 => 190 + Jitter(60),
                    < 4500 => 480 + Jitter(120),
                    < 5400 => 60 + Jitter(20),
                    _ => 1.8,
                };
            case LoadProfile.Pc:
                var hour = at.UtcDateTime.Hour;
                return hour is >= 7 and < 23 ? 95 + 40 * Math.Sin(t / 300) + Jitter(20) : 3.2;
            default:
                return 9 + Jitter(0.2);
        }
    }
}
