using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using SmartApi.Contracts;
using SmartApi.Simulator;

namespace SmartApi.Benchmarks;

/// <summary>What one timed run of a fleet did: acknowledged publishes, its own wall time and CPU.</summary>
internal readonly record struct FleetRun(long Acknowledged, TimeSpan Elapsed, TimeSpan Cpu);

/// <summary>
/// The simulated devices of the <c>mqtt</c> command: one real MQTTnet client per device, connected
/// over loopback TCP with the device's own serial and password (so the gateway authenticates each
/// one and applies its ACL to every publish), each publishing QoS 1 telemetry in a closed loop and
/// counting only the publishes the gateway acknowledged (PUBACK after commit).
/// </summary>
internal sealed class MqttFleet(IMqttClient[] clients, IReadOnlyList<SimulatedDeviceCredentials> credentials) : IAsyncDisposable
{
    private readonly long[] _sequence = new long[clients.Length];
    private readonly DateTimeOffset _origin = DateTimeOffset.UtcNow.AddHours(-2);

    public int Count => clients.Length;

    public static async Task<MqttFleet> ConnectAsync(int port, IReadOnlyList<SimulatedDeviceCredentials> credentials)
    {
        var clients = new IMqttClient[credentials.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, credentials.Count), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, token) =>
        {
            var client = new MqttClientFactory().CreateMqttClient();
            await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId(credentials[i].Serial)
                .WithCredentials(credentials[i].Serial, credentials[i].Password).WithProtocolVersion(MqttProtocolVersion.V500)
                .WithTimeout(TimeSpan.FromSeconds(30)).Build(), token);
            clients[i] = client;
        });
        return new MqttFleet(clients, credentials);
    }

    /// <summary>
    /// Every device publishes for <paramref name="duration"/> with <paramref name="inFlight"/>
    /// publishes outstanding. Each publish lane formats its sample into its own buffer and reuses
    /// its message, so the generator spends its CPU on MQTT, not on building messages.
    /// </summary>
    public async Task<FleetRun> RunAsync(TimeSpan duration, int inFlight, string kind)
    {
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var acked = 0L;
        var start = Stopwatch.GetTimestamp();
        var stop = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(clients.Select((client, i) => Task.Run(async () =>
        {
            var topic = DeviceTopics.For(credentials[i].Serial, kind);
            // One lane per device keeps the timestamps in publish order: the series keeps one
            // sample per device and time, and drops (but acknowledges) an older one.
            using var gate = new SemaphoreSlim(1, 1);
            var lanes = Enumerable.Range(0, inFlight).Select(async _ =>
            {
                var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
                using var writer = new Utf8JsonWriter(buffer);
                var message = new MqttApplicationMessageBuilder().WithTopic(topic).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
                while (Stopwatch.GetTimestamp() < stop)
                {
                    Task<MqttClientPublishResult> publish;
                    await gate.WaitAsync();
                    try
                    {
                        var n = ++_sequence[i];
                        buffer.ResetWrittenCount();
                        writer.Reset();
                        JsonSerializer.Serialize(writer, new DeviceTelemetry(_origin.AddMilliseconds(n * 2), 100 + n % 50, 230.1, 0.45, n * 0.01),
                            DeviceProtocolJsonContext.Default.DeviceTelemetry);
                        message.Payload = new System.Buffers.ReadOnlySequence<byte>(buffer.WrittenMemory);
                        // Started under the gate: MQTTnet sends a client's packets in call order.
                        publish = client.PublishAsync(message);
                    }
                    finally
                    {
                        gate.Release();
                    }
                    if ((await publish).IsSuccess)
                    {
                        Interlocked.Increment(ref acked);
                    }
                }
            });
            await Task.WhenAll(lanes);
        })));
        var elapsed = Stopwatch.GetElapsedTime(start);
        process.Refresh();
        return new FleetRun(acked, elapsed, process.TotalProcessorTime - cpuBefore);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in clients)
        {
            await client.TryDisconnectAsync();
            client.Dispose();
        }
    }

    /// <summary>
    /// <c>mqtt-devices --port P --in-flight N --kind K</c>: the fleet as a child process of the
    /// <c>mqtt</c> command, so its CPU is measured apart from the server's. Credentials come on
    /// stdin (serial and password per line, then an empty line); then <c>run SECONDS</c> lines,
    /// each answered with <c>done ACKED ELAPSED_US CPU_US</c>, until <c>quit</c>.
    /// </summary>
    public static async Task<int> ChildAsync(string[] args)
    {
        int Arg(string name, int fallback) => Array.IndexOf(args, name) is var i and >= 0 ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
        var kind = Array.IndexOf(args, "--kind") is var k and >= 0 ? args[k + 1] : DeviceTopics.Telemetry;
        var credentials = new List<SimulatedDeviceCredentials>();
        while (Console.ReadLine() is { Length: > 0 } line)
        {
            var parts = line.Split(' ');
            credentials.Add(new SimulatedDeviceCredentials(parts[0], parts[1]));
        }
        await using var fleet = await ConnectAsync(Arg("--port", 1883), credentials);
        Console.WriteLine($"connected {fleet.Count}");
        while (Console.ReadLine() is { } command && command.StartsWith("run ", StringComparison.Ordinal))
        {
            var run = await fleet.RunAsync(TimeSpan.FromSeconds(double.Parse(command[4..], CultureInfo.InvariantCulture)), Arg("--in-flight", 1), kind);
            Console.WriteLine(FormattableString.Invariant($"done {run.Acknowledged} {(long)run.Elapsed.TotalMicroseconds} {(long)run.Cpu.TotalMicroseconds}"));
        }
        return 0;
    }
}

/// <summary>The fleet in a child process (<see cref="MqttFleet.ChildAsync"/>), driven over its stdin and stdout.</summary>
internal sealed class FleetProcess(Process process) : IAsyncDisposable
{
    public static async Task<FleetProcess> StartAsync(int port, IReadOnlyList<SimulatedDeviceCredentials> credentials, int inFlight, string kind)
    {
        var host = Environment.ProcessPath!;
        var start = new ProcessStartInfo(host) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(typeof(MqttFleet).Assembly.Location);
        }
        foreach (var arg in new[] { "mqtt-devices", "--port", port.ToString(CultureInfo.InvariantCulture), "--in-flight", inFlight.ToString(CultureInfo.InvariantCulture), "--kind", kind })
        {
            start.ArgumentList.Add(arg);
        }
        var process = Process.Start(start)!;
        foreach (var device in credentials)
        {
            await process.StandardInput.WriteLineAsync($"{device.Serial} {device.Password}");
        }
        await process.StandardInput.WriteLineAsync();
        await process.StandardInput.FlushAsync();
        var connected = await process.StandardOutput.ReadLineAsync();
        if (connected?.StartsWith("connected ", StringComparison.Ordinal) != true)
        {
            throw new InvalidOperationException($"the device process did not connect: {connected}");
        }
        return new FleetProcess(process);
    }

    public async Task<FleetRun> RunAsync(TimeSpan duration)
    {
        await process.StandardInput.WriteLineAsync(FormattableString.Invariant($"run {duration.TotalSeconds}"));
        await process.StandardInput.FlushAsync();
        var parts = (await process.StandardOutput.ReadLineAsync())?.Split(' ');
        if (parts is not ["done", var acked, var elapsed, var cpu])
        {
            throw new InvalidOperationException("the device process stopped");
        }
        static long L(string s) => long.Parse(s, CultureInfo.InvariantCulture);
        return new FleetRun(L(acked), TimeSpan.FromMicroseconds(L(elapsed)), TimeSpan.FromMicroseconds(L(cpu)));
    }

    public async ValueTask DisposeAsync()
    {
        await process.StandardInput.WriteLineAsync("quit");
        await process.StandardInput.FlushAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (!process.HasExited)
        {
            process.Kill();
        }
        process.Dispose();
    }
}
