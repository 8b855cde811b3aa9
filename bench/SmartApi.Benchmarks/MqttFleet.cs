using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MQTTnet;
using MQTTnet.AspNetCore;
using MQTTnet.Exceptions;
using MQTTnet.LowLevelClient;
using MQTTnet.Packets;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using SmartApi.Contracts;
using SmartApi.Simulator;

namespace SmartApi.Benchmarks;

/// <summary>What one timed run of a fleet did: acknowledged publishes, its own wall time and CPU.</summary>
internal readonly record struct FleetRun(long Acknowledged, TimeSpan Elapsed, TimeSpan Cpu);

/// <summary>Which MQTT client the simulated devices use (<c>--client</c>).</summary>
internal enum FleetClient
{
    /// <summary>MQTTnet's low-level client over MQTTnet.AspNetCore's pipelines socket connection: the device side costs least.</summary>
    Lean,

    /// <summary>MQTTnet's full <see cref="IMqttClient"/> on its own TCP channel (keep-alive, packet dispatcher).</summary>
    Full,
}

/// <summary>
/// The simulated devices of the <c>mqtt</c> command: one real MQTT connection per device over
/// loopback TCP with the device's own serial and password (so the gateway authenticates each one
/// and applies its ACL to every publish), each publishing QoS 1 telemetry in a closed loop and
/// counting only the publishes the gateway acknowledged (PUBACK after commit). The devices share
/// the machine with the server, so by default they use the leanest client MQTTnet offers
/// (<see cref="FleetClient.Lean"/>); real devices bring their own CPUs.
/// </summary>
internal sealed class MqttFleet(FleetDevice[] devices) : IAsyncDisposable
{
    public int Count => devices.Length;

    public static async Task<MqttFleet> ConnectAsync(int port, IReadOnlyList<SimulatedDeviceCredentials> credentials, FleetClient client)
    {
        var devices = new FleetDevice[credentials.Count];
        var origin = DateTimeOffset.UtcNow.AddHours(-2);
        await Parallel.ForEachAsync(Enumerable.Range(0, credentials.Count), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, token) =>
        {
            var options = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId(credentials[i].Serial)
                .WithCredentials(credentials[i].Serial, credentials[i].Password).WithProtocolVersion(MqttProtocolVersion.V500)
                .WithTimeout(TimeSpan.FromSeconds(30)).Build();
            devices[i] = client == FleetClient.Lean ? await LeanDevice.ConnectAsync(options, origin, token) : await FullDevice.ConnectAsync(options, origin, token);
        });
        return new MqttFleet(devices);
    }

    /// <summary>Every device publishes for <paramref name="duration"/> with <paramref name="inFlight"/> publishes outstanding.</summary>
    public async Task<FleetRun> RunAsync(TimeSpan duration, int inFlight, string kind)
    {
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var start = Stopwatch.GetTimestamp();
        var stop = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var acked = await Task.WhenAll(devices.Select(device => Task.Run(() => device.PublishUntilAsync(stop, inFlight, kind))));
        var elapsed = Stopwatch.GetElapsedTime(start);
        process.Refresh();
        return new FleetRun(acked.Sum(), elapsed, process.TotalProcessorTime - cpuBefore);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var device in devices)
        {
            await device.DisposeAsync();
        }
    }

    /// <summary>
    /// <c>mqtt-devices --port P --in-flight N --kind K --client lean|full</c>: the fleet as a child
    /// process of the <c>mqtt</c> command, so its CPU is measured apart from the server's.
    /// Credentials come on stdin (serial and password per line, then an empty line); then
    /// <c>run SECONDS</c> lines, each answered with <c>done ACKED ELAPSED_US CPU_US</c>, until <c>quit</c>.
    /// </summary>
    public static async Task<int> ChildAsync(string[] args)
    {
        string? Arg(string name) => Array.IndexOf(args, name) is var i and >= 0 ? args[i + 1] : null;
        var kind = Arg("--kind") ?? DeviceTopics.Telemetry;
        var inFlight = int.Parse(Arg("--in-flight") ?? "1", CultureInfo.InvariantCulture);
        var credentials = new List<SimulatedDeviceCredentials>();
        while (Console.ReadLine() is { Length: > 0 } line)
        {
            var parts = line.Split(' ');
            credentials.Add(new SimulatedDeviceCredentials(parts[0], parts[1]));
        }
        await using var fleet = await ConnectAsync(int.Parse(Arg("--port") ?? "1883", CultureInfo.InvariantCulture), credentials,
            Enum.Parse<FleetClient>(Arg("--client") ?? nameof(FleetClient.Lean), ignoreCase: true));
        Console.WriteLine($"connected {fleet.Count}");
        while (Console.ReadLine() is { } command && command.StartsWith("run ", StringComparison.Ordinal))
        {
            var run = await fleet.RunAsync(TimeSpan.FromSeconds(double.Parse(command[4..], CultureInfo.InvariantCulture)), inFlight, kind);
            Console.WriteLine(FormattableString.Invariant($"done {run.Acknowledged} {(long)run.Elapsed.TotalMicroseconds} {(long)run.Cpu.TotalMicroseconds}"));
        }
        return 0;
    }
}

/// <summary>One simulated device: its connection and the sequence its samples are numbered by.</summary>
internal abstract class FleetDevice(string serial, DateTimeOffset origin) : IAsyncDisposable
{
    private long _sequence;

    /// <summary>Publishes until <paramref name="stop"/> (a Stopwatch timestamp); returns how many were acknowledged.</summary>
    public abstract Task<long> PublishUntilAsync(long stop, int inFlight, string kind);

    public abstract ValueTask DisposeAsync();

    protected string Topic(string kind) => DeviceTopics.For(serial, kind);

    /// <summary>
    /// The next sample, formatted into the caller's buffer (each publish lane reuses its own), so
    /// the generator spends its CPU on MQTT rather than on building messages. Timestamps rise with
    /// the sequence: the series keeps one sample per device and time and drops an older one.
    /// </summary>
    protected static ReadOnlyMemory<byte> NextSample(FleetDevice device, ArrayBufferWriter<byte> buffer, Utf8JsonWriter writer)
    {
        var n = ++device._sequence;
        buffer.ResetWrittenCount();
        writer.Reset();
        JsonSerializer.Serialize(writer, new DeviceTelemetry(device._origin.AddMilliseconds(n * 2), 100 + n % 50, 230.1, 0.45, n * 0.01),
            DeviceProtocolJsonContext.Default.DeviceTelemetry);
        return buffer.WrittenMemory;
    }

    private readonly DateTimeOffset _origin = origin;
}

/// <summary>MQTTnet's low-level client: CONNECT, then PUBLISH packets and their PUBACKs, nothing else on the wire.</summary>
internal sealed class LeanDevice(ILowLevelMqttClient client, string serial, DateTimeOffset origin) : FleetDevice(serial, origin)
{
    private ushort _packetId;

    public static async Task<FleetDevice> ConnectAsync(MqttClientOptions options, DateTimeOffset origin, CancellationToken cancellationToken)
    {
        var client = new MqttClientFactory().CreateLowLevelMqttClient(new MqttClientConnectionContextFactory());
        await client.ConnectAsync(options, cancellationToken);
        var credentials = (MqttClientCredentials)options.Credentials;
        // Keep-alive 0: the bench sends no PINGREQs, and the broker must not drop a device idle between runs.
        await client.SendAsync(new MqttConnectPacket
        {
            ClientId = options.ClientId,
            Username = credentials.GetUserName(options),
            Password = credentials.GetPassword(options),
            CleanSession = true,
            KeepAlivePeriod = 0,
        }, cancellationToken);
        if (await client.ReceiveAsync(cancellationToken) is not MqttConnAckPacket { ReasonCode: MqttConnectReasonCode.Success })
        {
            throw new InvalidOperationException($"device {options.ClientId} was refused");
        }
        return new LeanDevice(client, options.ClientId, origin);
    }

    public override async Task<long> PublishUntilAsync(long stop, int inFlight, string kind)
    {
        var topic = Topic(kind);
        var buffer = new ArrayBufferWriter<byte>(256);
        using var writer = new Utf8JsonWriter(buffer);
        var (acked, outstanding) = (0L, 0);
        // One loop per device: fill the window, then read a PUBACK; stop sending at the deadline and
        // drain what is outstanding, so the next run starts with nothing in flight.
        while (true)
        {
            while (outstanding < inFlight && Stopwatch.GetTimestamp() < stop)
            {
                _packetId = (ushort)(_packetId % ushort.MaxValue + 1);
                // The formatter copies the payload into its packet buffer, so the lane's buffer is free once sent.
                await client.SendAsync(new MqttPublishPacket
                {
                    Topic = topic,
                    Payload = new ReadOnlySequence<byte>(NextSample(this, buffer, writer)),
                    QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
                    PacketIdentifier = _packetId,
                }, CancellationToken.None);
                outstanding++;
            }
            if (outstanding == 0)
            {
                return acked;
            }
            if (await client.ReceiveAsync(CancellationToken.None) is MqttPubAckPacket ack)
            {
                outstanding--;
                acked += ack.ReasonCode == MqttPubAckReasonCode.Success ? 1 : 0;
            }
        }
    }

    public override async ValueTask DisposeAsync()
    {
        try
        {
            await client.SendAsync(new MqttDisconnectPacket(), CancellationToken.None);
            await client.DisconnectAsync(CancellationToken.None);
        }
        catch (Exception exception) when (exception is MqttCommunicationException or InvalidOperationException or IOException)
        {
            // already gone
        }
        client.Dispose();
    }
}

/// <summary>MQTTnet's full client, as the device simulator uses it.</summary>
internal sealed class FullDevice(IMqttClient client, string serial, DateTimeOffset origin) : FleetDevice(serial, origin)
{
    public static async Task<FleetDevice> ConnectAsync(MqttClientOptions options, DateTimeOffset origin, CancellationToken cancellationToken)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(options, cancellationToken);
        return new FullDevice(client, options.ClientId, origin);
    }

    public override async Task<long> PublishUntilAsync(long stop, int inFlight, string kind)
    {
        var topic = Topic(kind);
        var acked = 0L;
        // One gate per device keeps the timestamps in publish order across its lanes.
        using var gate = new SemaphoreSlim(1, 1);
        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(async _ =>
        {
            var buffer = new ArrayBufferWriter<byte>(256);
            using var writer = new Utf8JsonWriter(buffer);
            var message = new MqttApplicationMessageBuilder().WithTopic(topic).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
            while (Stopwatch.GetTimestamp() < stop)
            {
                Task<MqttClientPublishResult> publish;
                await gate.WaitAsync();
                try
                {
                    message.Payload = new ReadOnlySequence<byte>(NextSample(this, buffer, writer));
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
        }));
        return acked;
    }

    public override async ValueTask DisposeAsync()
    {
        await client.TryDisconnectAsync();
        client.Dispose();
    }
}

/// <summary>The fleet in a child process (<see cref="MqttFleet.ChildAsync"/>), driven over its stdin and stdout.</summary>
internal sealed class FleetProcess(Process process) : IAsyncDisposable
{
    public static async Task<FleetProcess> StartAsync(int port, IReadOnlyList<SimulatedDeviceCredentials> credentials, int inFlight, string kind, FleetClient client)
    {
        var process = await StartChildAsync(["mqtt-devices", "--port", port.ToString(CultureInfo.InvariantCulture), "--in-flight", inFlight.ToString(CultureInfo.InvariantCulture),
            "--kind", kind, "--client", client.ToString()], credentials);
        return new FleetProcess(process);
    }

    /// <summary>
    /// Starts this program as a child process with <paramref name="arguments"/>, hands it the devices'
    /// credentials on stdin (serial and password per line, then an empty line) and waits for its <c>connected N</c>.
    /// </summary>
    internal static async Task<Process> StartChildAsync(IEnumerable<string> arguments, IReadOnlyList<SimulatedDeviceCredentials> credentials)
    {
        var host = Environment.ProcessPath!;
        var start = new ProcessStartInfo(host) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(typeof(MqttFleet).Assembly.Location);
        }
        foreach (var arg in arguments)
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
        return process;
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
        await ChildProcess.StopAsync(process, TimeSpan.FromSeconds(30));
    }
}
