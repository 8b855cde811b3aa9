namespace SmartApi.Simulator;

/// <summary>A device's MQTT credentials, as <c>POST /v1/devices</c> returned them.</summary>
public sealed record SimulatedDeviceCredentials(string Serial, string Password);

/// <summary>How a simulated fleet behaves.</summary>
public sealed class SimulatorOptions
{
    /// <summary>The broker, e.g. <c>mqtt://127.0.0.1:1883</c>.</summary>
    public Uri Broker { get; set; } = new("mqtt://127.0.0.1:1883");

    /// <summary>Time between two telemetry samples of one device.</summary>
    public TimeSpan TelemetryInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Mean button presses per device and hour (0 for none).</summary>
    public double ButtonPressesPerHour { get; set; } = 1;

    /// <summary>Mean overloads per device and day (0 for none).</summary>
    public double OverloadsPerDay { get; set; } = 2;

    /// <summary>Telemetry at QoS 1 (the PUBACK then means stored) or QoS 0.</summary>
    public bool TelemetryAtLeastOnce { get; set; } = true;

    /// <summary>Seed of the fleet's randomness; null for a different fleet each run.</summary>
    public int? Seed { get; set; }

    /// <summary>The clock of the telemetry timestamps and intervals.</summary>
    public TimeProvider Time { get; set; } = TimeProvider.System;

    /// <summary>Announce presence on <c>devices/{serial}/status</c> with a last will (needed with an external broker).</summary>
    public bool AnnouncePresence { get; set; } = true;
}
