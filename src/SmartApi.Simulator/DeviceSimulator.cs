namespace SmartApi.Simulator;

/// <summary>
/// A fleet of <see cref="SimulatedDevice"/>s: profiles assigned round the list (kettle, fridge,
/// washing machine, PC, lamp), connected in parallel, each sending telemetry on its own timer
/// with a random start offset so the fleet does not report in lockstep.
/// </summary>
public sealed class DeviceSimulator : IAsyncDisposable
{
    private static readonly LoadProfile[] Profiles = Enum.GetValues<LoadProfile>();
    private readonly SimulatorOptions _options;
    private readonly List<SimulatedDevice> _devices;
    private readonly Random _random;

    public DeviceSimulator(IEnumerable<SimulatedDeviceCredentials> devices, SimulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _random = options.Seed is { } seed ? new Random(seed) : new Random();
        _devices = [.. devices.Select((credentials, i) => new SimulatedDevice(credentials, Profiles[i % Profiles.Length], options, new Random(_random.Next())))];
    }

    public IReadOnlyList<SimulatedDevice> Devices => _devices;

    /// <summary>Telemetry samples the whole fleet sent.</summary>
    public long TelemetrySent => _devices.Sum(d => d.TelemetrySent);

    /// <summary>Connects every device, at most <paramref name="parallel"/> at once.</summary>
    public async Task ConnectAsync(int parallel = 64, CancellationToken cancellationToken = default) =>
        await Parallel.ForEachAsync(_devices, new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = cancellationToken },
            async (device, token) => await device.ConnectAsync(token));

    /// <summary>Runs every device's telemetry loop until <paramref name="cancellationToken"/> fires.</summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(_devices.Select(device => RunDeviceAsync(device, TimeSpan.FromTicks((long)(_random.NextDouble() * _options.TelemetryInterval.Ticks)), cancellationToken)));

    private async Task RunDeviceAsync(SimulatedDevice device, TimeSpan offset, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(offset, _options.Time, cancellationToken);
            using var timer = new PeriodicTimer(_options.TelemetryInterval, _options.Time);
            do
            {
                await device.TickAsync(cancellationToken);
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var device in _devices)
        {
            await device.DisposeAsync();
        }
    }
}
