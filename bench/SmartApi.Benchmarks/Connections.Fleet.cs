using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SmartApi.Simulator;

namespace SmartApi.Benchmarks;

/// <summary>How one connect wave went: devices accepted (CONNACK success), failed, and its wall time.</summary>
internal readonly record struct ConnectWave(int Connected, int Failed, TimeSpan Elapsed)
{
    public override string ToString() => FormattableString.Invariant(
        $"{Connected:N0} connected, {Failed:N0} failed in {Elapsed.TotalSeconds:F1} s: {Connected / Elapsed.TotalSeconds:N0}/s");
}

/// <summary>
/// The devices of the <c>connections</c> command as a child process, so their CPU and open files are
/// apart from the server's. Raw MQTT on sockets, the least a device can hold: a CONNECT (3.1.1 or 5,
/// user name and password, clean session, the keep-alive given), its CONNACK, then one PINGREQ per
/// keep-alive period (spread over the fleet) and whatever the server answers drained unread.
/// Every device of a wave has a loopback source address of its own (127.N.x.y, N the wave), so the
/// previous wave's TIME_WAIT ports do not exhaust the ephemeral range (28,000 ports by default), and
/// the kernel's search for a free port finds one at the first try: on one shared address that
/// search grows with the ports in use and took the fleet's two cores in a storm, so the harness,
/// not the server, set the rate.
/// </summary>
internal static class ConnectionsFleet
{
    private static readonly byte[] PingRequest = [0xC0, 0x00];
    private static readonly byte[] Disconnect = [0xE0, 0x00];
    private const int SolIp = 0;
    private const int IpBindAddressNoPort = 24;

    /// <summary>
    /// <c>connections-devices --port P --level 4|5 --keep-alive S</c>: credentials on stdin (serial and
    /// password per line, then an empty line), then <c>connect CONCURRENCY SOURCE</c> (0 = all at once)
    /// answered with <c>connected OK FAILED ELAPSED_US</c>, <c>disconnect</c> answered with
    /// <c>disconnected ELAPSED_US</c>, until <c>quit</c>.
    /// </summary>
    public static async Task<int> ChildAsync(string[] args)
    {
        string Arg(string name, string fallback) => Array.IndexOf(args, name) is var i and >= 0 ? args[i + 1] : fallback;
        var port = int.Parse(Arg("--port", "1883"), CultureInfo.InvariantCulture);
        var level = byte.Parse(Arg("--level", "4"), CultureInfo.InvariantCulture);
        var keepAlive = ushort.Parse(Arg("--keep-alive", "60"), CultureInfo.InvariantCulture);
        var credentials = new List<SimulatedDeviceCredentials>();
        while (Console.ReadLine() is { Length: > 0 } line)
        {
            var parts = line.Split(' ');
            credentials.Add(new SimulatedDeviceCredentials(parts[0], parts[1]));
        }
        var packets = credentials.Select(c => ConnectPacket(c, level, keepAlive)).ToArray();
        Console.WriteLine($"connected 0");
        var sockets = new Socket?[credentials.Count];
        var server = new IPEndPoint(IPAddress.Loopback, port);
        // Each connect wave has its own ping loop; a disconnect ends it.
        CancellationTokenSource? wave = null;
        var pinging = Task.CompletedTask;
        while (Console.ReadLine() is { } command && command != "quit")
        {
            var parts = command.Split(' ');
            if (parts[0] == "connect")
            {
                var concurrency = int.Parse(parts[1], CultureInfo.InvariantCulture);
                var waveNumber = byte.Parse(parts[2], CultureInfo.InvariantCulture);
                var failed = 0;
                var started = Stopwatch.GetTimestamp();
                if (concurrency > 0)
                {
                    await Parallel.ForEachAsync(Enumerable.Range(0, packets.Length), new ParallelOptions { MaxDegreeOfParallelism = concurrency },
                        async (i, _) => sockets[i] = await ConnectAsync(server, SourceAddress(waveNumber, i), packets[i]) ?? Failed());
                }
                else
                {
                    await Task.WhenAll(Enumerable.Range(0, packets.Length).Select(async i => sockets[i] = await ConnectAsync(server, SourceAddress(waveNumber, i), packets[i]) ?? Failed()));
                }
                var elapsed = Stopwatch.GetElapsedTime(started);
                wave = new CancellationTokenSource();
                pinging = PingAsync(sockets, keepAlive, wave.Token);
                Console.WriteLine(FormattableString.Invariant($"connected {sockets.Count(s => s is not null)} {failed} {(long)elapsed.TotalMicroseconds}"));

                Socket? Failed()
                {
                    Interlocked.Increment(ref failed);
                    return null;
                }
            }
            else if (parts[0] == "disconnect")
            {
                await StopPingingAsync();
                var started = Stopwatch.GetTimestamp();
                Close(sockets);
                Console.WriteLine(FormattableString.Invariant($"disconnected {(long)Stopwatch.GetElapsedTime(started).TotalMicroseconds}"));
            }
        }
        await StopPingingAsync();
        Close(sockets);
        return 0;

        async Task StopPingingAsync()
        {
            if (wave is not null)
            {
                await wave.CancelAsync();
                await pinging;
                wave.Dispose();
                wave = null;
            }
        }
    }

    /// <summary>Device <paramref name="index"/>'s source address in a wave: 127.wave.x.y, then the next second octet every 65,535 devices.</summary>
    private static IPAddress SourceAddress(byte wave, int index)
    {
        var (block, host) = Math.DivRem(index, 65_535);
        host++;
        return new IPAddress([127, (byte)(wave + 16 * block), (byte)(host >> 8), (byte)host]);
    }

    private static void Close(Socket?[] sockets)
    {
        for (var i = 0; i < sockets.Length; i++)
        {
            if (sockets[i] is { } socket)
            {
                try
                {
                    socket.Send(Disconnect);
                    socket.Shutdown(SocketShutdown.Both);
                }
                catch (SocketException)
                {
                    // the server closed it already
                }
                socket.Dispose();
                sockets[i] = null;
            }
        }
    }

    /// <summary>One device: TCP connect, CONNECT, CONNACK; null when refused or failed within 120 s.</summary>
    private static async Task<Socket?> ConnectAsync(IPEndPoint server, IPAddress source, byte[] connect)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            // Without IP_BIND_ADDRESS_NO_PORT, bind() picks the port itself by searching the bound
            // ports of that address: with thousands bound that search took the fleet's two cores
            // (inet_bind2_bucket_* in the kernel) and capped connects near 200/s, the fleet's limit
            // rather than the server's. With it the port is chosen at connect, per destination.
            if (OperatingSystem.IsLinux())
            {
                socket.SetRawSocketOption(SolIp, IpBindAddressNoPort, BitConverter.GetBytes(1));
            }
            socket.Bind(new IPEndPoint(source, 0));
            await socket.ConnectAsync(server, timeout.Token);
            await socket.SendAsync(connect, SocketFlags.None, timeout.Token);
            // CONNACK: 0x20, a remaining length under 128 (no properties are asked for), flags, reason code (0 = accepted).
            var head = new byte[2];
            await ReceiveExactlyAsync(socket, head, timeout.Token);
            var body = new byte[head[1]];
            await ReceiveExactlyAsync(socket, body, timeout.Token);
            if (head[0] == 0x20 && body.Length >= 2 && body[1] == 0)
            {
                return socket;
            }
        }
        catch (Exception exception) when (exception is SocketException or OperationCanceledException or IOException)
        {
        }
        socket.Dispose();
        return null;
    }

    private static async Task ReceiveExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (buffer.Length > 0)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                throw new IOException("closed");
            }
            buffer = buffer[read..];
        }
    }

    /// <summary>A PINGREQ per device per keep-alive period, spread evenly; answers are drained unread.</summary>
    private static async Task PingAsync(Socket?[] sockets, ushort keepAlive, CancellationToken stop)
    {
        if (keepAlive == 0)
        {
            return;
        }
        var drain = new byte[64];
        var tick = TimeSpan.FromMilliseconds(100);
        var perTick = Math.Max(1, (int)Math.Ceiling(sockets.Length * tick.TotalSeconds / keepAlive));
        using var timer = new PeriodicTimer(tick);
        var next = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                for (var n = 0; n < perTick; n++, next = (next + 1) % sockets.Length)
                {
                    if (sockets[next] is not { } socket)
                    {
                        continue;
                    }
                    try
                    {
                        while (socket.Available > 0)
                        {
                            socket.Receive(drain);
                        }
                        socket.Send(PingRequest);
                    }
                    catch (SocketException)
                    {
                        // closed by the server; the wave's counts already say so
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>An MQTT CONNECT (protocol level 4 = 3.1.1, 5 = 5.0) with user name and password, clean session.</summary>
    internal static byte[] ConnectPacket(SimulatedDeviceCredentials device, byte level, ushort keepAlive)
    {
        var body = new List<byte>();
        void String(string value)
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            body.Add((byte)(bytes.Length >> 8));
            body.Add((byte)bytes.Length);
            body.AddRange(bytes);
        }
        String("MQTT");
        body.Add(level);
        body.Add(0xC2); // user name, password, clean session
        body.Add((byte)(keepAlive >> 8));
        body.Add((byte)keepAlive);
        if (level == 5)
        {
            body.Add(0); // no properties
        }
        String(device.Serial);
        String(device.Serial);
        String(device.Password);
        var packet = new List<byte> { 0x10 };
        var remaining = body.Count;
        do
        {
            var digit = (byte)(remaining % 128);
            remaining /= 128;
            packet.Add(remaining > 0 ? (byte)(digit | 0x80) : digit);
        }
        while (remaining > 0);
        packet.AddRange(body);
        return [.. packet];
    }
}

/// <summary>The <c>connections-devices</c> child, driven over its stdin and stdout.</summary>
internal sealed class DeviceProcess(Process process) : IAsyncDisposable
{
    public static async Task<DeviceProcess> StartAsync(int port, int level, int keepAlive, IReadOnlyList<SimulatedDeviceCredentials> credentials) =>
        new(await FleetProcess.StartChildAsync(["connections-devices", "--port", port.ToString(CultureInfo.InvariantCulture),
            "--level", level.ToString(CultureInfo.InvariantCulture), "--keep-alive", keepAlive.ToString(CultureInfo.InvariantCulture)], credentials));

    /// <summary>Connects every device, <paramref name="concurrency"/> at a time (0: all at once), from 127.<paramref name="source"/>.x.y, an address per device.</summary>
    public async Task<ConnectWave> ConnectAsync(int concurrency, int source)
    {
        var parts = (await AskAsync(FormattableString.Invariant($"connect {concurrency} {source}"))).Split(' ');
        if (parts is not ["connected", var ok, var failed, var elapsed])
        {
            throw new InvalidOperationException("the device process stopped");
        }
        return new ConnectWave(int.Parse(ok, CultureInfo.InvariantCulture), int.Parse(failed, CultureInfo.InvariantCulture),
            TimeSpan.FromMicroseconds(long.Parse(elapsed, CultureInfo.InvariantCulture)));
    }

    public async Task<ConnectWave> DisconnectAsync()
    {
        var parts = (await AskAsync("disconnect")).Split(' ');
        return parts is ["disconnected", var elapsed]
            ? new ConnectWave(0, 0, TimeSpan.FromMicroseconds(long.Parse(elapsed, CultureInfo.InvariantCulture)))
            : throw new InvalidOperationException("the device process stopped");
    }

    private async Task<string> AskAsync(string line)
    {
        await process.StandardInput.WriteLineAsync(line);
        await process.StandardInput.FlushAsync();
        return await process.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("the device process stopped");
    }

    public async ValueTask DisposeAsync()
    {
        await ChildProcess.StopAsync(process, TimeSpan.FromSeconds(60));
    }
}
