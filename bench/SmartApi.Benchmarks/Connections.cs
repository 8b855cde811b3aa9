using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using SmartApi.Contracts;
using SmartApi.Server.Infrastructure;
using SmartApi.Simulator;

namespace SmartApi.Benchmarks;

/// <summary>Options of the <c>connections</c> command.</summary>
internal sealed record ConnectionsOptions(
    int Devices = 19_000, int HoldSeconds = 30, int Concurrency = 64, int KeepAlive = 60, string[]? Protocols = null, Dictionary<string, string>? ServerEnvironment = null,
    string? Data = null, int SettleSeconds = 40)
{
    public static ConnectionsOptions Parse(string[] args)
    {
        var options = new ConnectionsOptions(Protocols: ["3.1.1", "5"], ServerEnvironment: []);
        for (var i = 0; i < args.Length; i++)
        {
            int Next() => int.Parse(args[++i], CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--devices": options = options with { Devices = Next() }; break;
                case "--hold-seconds": options = options with { HoldSeconds = Next() }; break;
                case "--concurrency": options = options with { Concurrency = Next() }; break;
                case "--keep-alive": options = options with { KeepAlive = Next() }; break;
                case "--protocols": options = options with { Protocols = args[++i].Split(',') }; break;
                case "--data": options = options with { Data = args[++i] }; break;
                case "--settle-seconds": options = options with { SettleSeconds = Next() }; break;
                case "--server-env":
                    var (key, value) = args[++i].Split('=', 2) is [var k, var v] ? (k, v) : throw new ArgumentException("--server-env takes KEY=VALUE");
                    options.ServerEnvironment![key] = value;
                    break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        return options;
    }
}

/// <summary>
/// Idle device connections (issue 17): what N connected, idle devices cost the server and how fast
/// they come back. The server runs alone in a child process (<c>connections-server</c>: SQLite, the
/// embedded broker, server GC as it ships), so /proc shows its memory and CPU alone; the devices run
/// in another child (<c>connections-devices</c>, raw MQTT over sockets: a CONNECT, then a PINGREQ
/// every keep-alive period, nothing else). Per protocol (MQTT 3.1.1 and 5, a fresh server process
/// on the same database each): connect all at <c>--concurrency</c> at a time (rate/s), hold them idle
/// (working set and private bytes per device, CPU % of a core over <c>--hold-seconds</c>), disconnect
/// all, memory after 10 s and after a full blocking GC, then a reconnect storm (all at once, rate/s).
/// Both processes are capped by the per-process open-file limit (<c>ulimit -Hn</c>): the server holds
/// one descriptor per device plus its own.
/// </summary>
internal static class Connections
{
    public static async Task<int> RunAsync(ConnectionsOptions options)
    {
        var hard = OpenFileLimit();
        Console.WriteLine($"connections: {options.Devices:N0} devices, protocols {string.Join(", ", options.Protocols!)}, hold {options.HoldSeconds} s, keep-alive {options.KeepAlive} s; " +
            $"{Environment.ProcessorCount} cores, open files {hard} per process, load average {AppendLoad.LoadAverage()}" +
            (options.ServerEnvironment!.Count > 0 ? "; server env " + string.Join(' ', options.ServerEnvironment.Select(e => $"{e.Key}={e.Value}")) : ""));
        if (hard is { } limit && options.Devices + 500 > limit)
        {
            Console.Error.WriteLine($"--devices {options.Devices} needs about {options.Devices + 500} open files per process; the limit here is {limit} (raise it with `ulimit -n` as root, or ask for fewer devices)");
            return 2;
        }
        // --data keeps the database and the devices' credentials for the next run (creating 19,000 devices takes minutes here).
        var directory = options.Data ?? Directory.CreateTempSubdirectory("smartapi-connections-").FullName;
        Directory.CreateDirectory(directory);
        var saved = Path.Combine(directory, "credentials.txt");
        try
        {
            IReadOnlyList<SimulatedDeviceCredentials> credentials = File.Exists(saved)
                ? [.. (await File.ReadAllLinesAsync(saved)).Select(l => l.Split(' ')).Select(p => new SimulatedDeviceCredentials(p[0], p[1]))]
                : [];
            if (credentials.Count != options.Devices)
            {
                await using var server = await Soak.ServerProcess.StartAsync("connections-server", directory, options.ServerEnvironment);
                var created = Stopwatch.StartNew();
                credentials = await CreateDevicesAsync(server.BaseAddress, options.Devices, credentials.Count);
                await File.WriteAllLinesAsync(saved, credentials.Select(c => $"{c.Serial} {c.Password}"));
                Console.WriteLine(FormattableString.Invariant($"created {options.Devices:N0} devices in {created.Elapsed.TotalSeconds:F0} s"));
            }
            foreach (var protocol in options.Protocols!)
            {
                await RunProtocolAsync(options, directory, credentials, protocol);
            }
            return 0;
        }
        finally
        {
            if (options.Data is null)
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private static async Task RunProtocolAsync(ConnectionsOptions options, string directory, IReadOnlyList<SimulatedDeviceCredentials> credentials, string protocol)
    {
        var level = protocol switch { "3.1.1" => 4, "5" => 5, _ => throw new ArgumentException($"protocol {protocol}: 3.1.1 or 5") };
        await using var server = await Soak.ServerProcess.StartAsync("connections-server", directory, options.ServerEnvironment);
        await Task.Delay(TimeSpan.FromSeconds(3));
        var baseline = await SnapshotAsync(server);
        Console.WriteLine($"MQTT {protocol}: server before {baseline}");
        await using var fleet = await DeviceProcess.StartAsync(server.MqttPort, level, options.KeepAlive, credentials);

        var connect = await fleet.ConnectAsync(options.Concurrency, source: 2);
        Console.WriteLine(FormattableString.Invariant($"  connect ({options.Concurrency} at a time): {connect}"));
        await Task.Delay(TimeSpan.FromSeconds(5));
        var cpuBefore = server.Cpu();
        var clock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(options.HoldSeconds / 2.0));
        // The second half alone: the first still has the tiered JIT recompiling what the wave warmed up.
        var (cpuHalf, half) = (server.Cpu(), clock.Elapsed);
        await Task.Delay(TimeSpan.FromSeconds(options.HoldSeconds / 2.0));
        var idleCpu = (server.Cpu() - cpuBefore) / clock.Elapsed * 100;
        var lateCpu = (server.Cpu() - cpuHalf) / (clock.Elapsed - half) * 100;
        var held = await SnapshotAsync(server);
        var n = connect.Connected;
        var perDevice = FormattableString.Invariant(
            $"{(held.WorkingSet - baseline.WorkingSet) / n / 1024.0:F1} KB working set, {(held.Private - baseline.Private) / n / 1024.0:F1} KB private, {(held.Heap - baseline.Heap) / n / 1024.0:F1} KB managed heap");
        Console.WriteLine(FormattableString.Invariant($"  idle: {held}; per device {perDevice}; idle CPU {idleCpu:F1} % of a core over {options.HoldSeconds} s, {lateCpu:F2} % over its second half"));
        // What the connections keep alive, apart from garbage the last collection left (server GC's gen0 budget is tens of MB).
        var live = await SnapshotAsync(server, "collect");
        Console.WriteLine(FormattableString.Invariant(
            $"  connected, after a full GC: {live}; per device {(live.WorkingSet - baseline.WorkingSet) / n / 1024.0:F1} KB working set, {(live.Heap - baseline.Heap) / n / 1024.0:F1} KB managed heap"));

        var disconnect = await fleet.DisconnectAsync();
        Console.WriteLine(FormattableString.Invariant($"  disconnect: {disconnect.Elapsed.TotalSeconds:F1} s"));
        await Task.Delay(TimeSpan.FromSeconds(10));
        var after = await SnapshotAsync(server);
        Console.WriteLine($"  10 s after: {after}");
        var collected = await SnapshotAsync(server, "collect");
        Console.WriteLine($"  after a full GC: {collected}");
        if (options.SettleSeconds > 0)
        {
            // Past the offline grace period (30 s by default): each device's pending-offline timer has fired.
            await Task.Delay(TimeSpan.FromSeconds(options.SettleSeconds));
            var settled = await SnapshotAsync(server, "collect");
            Console.WriteLine(FormattableString.Invariant(
                $"  {options.SettleSeconds} s later, after a full GC: {settled}; above the start {(settled.WorkingSet - baseline.WorkingSet) / n / 1024.0:F1} KB working set, {(settled.Heap - baseline.Heap) / n / 1024.0:F1} KB managed heap per device"));
        }

        var storm = await fleet.ConnectAsync(concurrency: 0, source: 3);
        Console.WriteLine(FormattableString.Invariant($"  reconnect storm (all at once): {storm}"));
        await fleet.DisconnectAsync();
        Console.WriteLine($"  load average {AppendLoad.LoadAverage()}");
    }

    /// <summary>What the server process holds: resident (VmRSS), private resident (RssAnon) and its managed heap, in bytes.</summary>
    internal readonly record struct Memory(long WorkingSet, long Private, long Heap, long Committed)
    {
        public override string ToString() => FormattableString.Invariant(
            $"working set {WorkingSet / 1048576.0:N0} MB, private {Private / 1048576.0:N0} MB, managed heap {Heap / 1048576.0:N0} MB (committed {Committed / 1048576.0:N0} MB)");
    }

    private static async Task<Memory> SnapshotAsync(Soak.ServerProcess server, string command = "gc")
    {
        var gc = (await server.AskAsync(command)).Split(' ');
        var status = await File.ReadAllLinesAsync($"/proc/{server.Id}/status");
        long Kb(string key) => long.Parse(status.First(l => l.StartsWith(key, StringComparison.Ordinal))[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        return new Memory(Kb("VmRSS:"), Kb("RssAnon:"), long.Parse(gc[0], CultureInfo.InvariantCulture), long.Parse(gc[1], CultureInfo.InvariantCulture));
    }

    /// <summary>The soft open-file limit of this process (children inherit it), or null off Linux.</summary>
    private static long? OpenFileLimit()
    {
        const string path = "/proc/self/limits";
        if (!File.Exists(path))
        {
            return null;
        }
        var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        return line is null ? null : long.Parse(line["Max open files".Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture);
    }

    /// <summary>N devices through the API, 16 requests at a time (each answer carries the device's password once); serials go on from <paramref name="first"/>.</summary>
    private static async Task<IReadOnlyList<SimulatedDeviceCredentials>> CreateDevicesAsync(Uri baseAddress, int count, int first)
    {
        if (first > 0)
        {
            throw new InvalidOperationException($"the data directory holds {first} devices, not {count}: use another --data");
        }
        using var api = new HttpClient { BaseAddress = baseAddress };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Soak.AdminKey);
        var credentials = new SimulatedDeviceCredentials[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, token) =>
        {
            var request = new CreateDeviceRequest($"CONN-{i:D6}", $"Idle {i}", "DT31", new Dictionary<string, string> { ["room"] = i % 2 == 0 ? "kitchen" : "hall" });
            using var response = await api.PostAsJsonAsync("/v1/devices", request, SmartApiJsonContext.Default.CreateDeviceRequest, token);
            if (response.StatusCode != HttpStatusCode.Created)
            {
                throw new HttpRequestException($"creating device {i} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(token)}");
            }
            var device = (await response.Content.ReadFromJsonAsync(SmartApiJsonContext.Default.DeviceResponse, token))!;
            credentials[i] = new SimulatedDeviceCredentials(device.Credentials!.MqttUsername, device.Credentials.MqttPassword);
        });
        return credentials;
    }

    /// <summary>
    /// <c>connections-server DIRECTORY HTTP_PORT MQTT_PORT</c>: the server alone in this process, as it
    /// ships, answering <c>gc</c> (managed heap and committed bytes) and <c>collect</c> (the same after
    /// a full, compacting, blocking collection) on its standard input until it closes.
    /// </summary>
    public static async Task<int> ServerAsync(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Benchmark", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["urls"] = $"http://127.0.0.1:{args[1]}",
            ["SmartApi:DataDirectory"] = args[0],
            ["SmartApi:BootstrapApiKey"] = Soak.AdminKey,
            ["SmartApi:Mqtt:Port"] = args[2],
            ["SmartApi:Mqtt:BindAddress"] = "127.0.0.1",
            // Creating the fleet is the harness's set-up, not what it measures.
            ["SmartApi:Limits:MaxDevices"] = "10000000",
            ["SmartApi:Limits:RequestsPerSecond"] = "1000000",
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddSmartApi();
        // Standard output carries the answers to the harness; the log goes to standard error.
        builder.Logging.ClearProviders().AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        await using var app = builder.Build();
        app.MapSmartApi();
        await app.StartAsync();
        Console.WriteLine("ready");
        while (await Console.In.ReadLineAsync() is { } line)
        {
            if (line == "collect")
            {
                System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
                GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            }
            var info = GC.GetGCMemoryInfo();
            Console.WriteLine(FormattableString.Invariant($"{info.HeapSizeBytes} {info.TotalCommittedBytes}"));
        }
        await app.StopAsync();
        return 0;
    }
}
