namespace SmartApi.Server.Mqtt;

/// <summary>
/// How the gateway reaches devices: the embedded broker (default), a client of an external broker,
/// or nothing (MQTT disabled). Device messages flow in through <see cref="DeviceMessageHandler"/>;
/// commands and settings flow out through <see cref="PublishAsync"/>.
/// </summary>
internal abstract class MqttTransport : IHostedService
{
    /// <summary>The prefix of the server's own client ids (it injects or publishes commands under them).</summary>
    public const string ServerClientId = "$smartapi";

    /// <summary>Whether publishing is possible now (broker running or connected).</summary>
    public abstract bool CanPublish { get; }

    /// <summary>
    /// Devices known to listen for commands on this node right now, or null when this node cannot
    /// tell (external broker: any device marked online is published to).
    /// </summary>
    public abstract IReadOnlyCollection<string>? ListeningDevices { get; }

    /// <summary>Raised when a device starts listening for commands, so pending ones go out at once.</summary>
    public event EventHandler? DeviceListening;

    /// <summary>Publishes at QoS 1; true once the broker has it for a listening device (embedded) or acknowledged it (external).</summary>
    public abstract Task<bool> PublishAsync(string topic, byte[] payload, bool retain, CancellationToken cancellationToken);

    /// <summary>
    /// A deleted device: end its session and clear everything retained under its
    /// <c>devices/{serial}/</c>, so whoever registers the serial next inherits nothing.
    /// </summary>
    public virtual Task RemoveDeviceAsync(string serial, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Ends the serial's session, if this node holds one (its credentials changed). External broker: the broker's job.</summary>
    public virtual Task EndSessionAsync(string serial, CancellationToken cancellationToken) => Task.CompletedTask;

    public abstract Task StartAsync(CancellationToken cancellationToken);

    public abstract Task StopAsync(CancellationToken cancellationToken);

    protected void OnDeviceListening() => DeviceListening?.Invoke(this, EventArgs.Empty);
}

/// <summary><c>SmartApi:Mqtt:Port</c> = 0 and no external broker: no device traffic; commands wait until they expire.</summary>
internal sealed class DisabledTransport : MqttTransport
{
    public override bool CanPublish => false;

    public override IReadOnlyCollection<string>? ListeningDevices => [];

    public override Task<bool> PublishAsync(string topic, byte[] payload, bool retain, CancellationToken cancellationToken) => Task.FromResult(false);

    public override Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
