using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using SmartApi.Contracts;
using SmartApi.Server.Infrastructure;
using SmartApi.Simulator;
using SmartApi.Webhooks;

namespace SmartApi.Benchmarks;

/// <summary>Options of the <c>soak</c> command.</summary>
internal sealed record SoakOptions(int Minutes = 30, int Devices = 1000, int Rate = 500, int Switchers = 100, int TelemetrySeconds = 10, int SampleSeconds = 60)
{
    public static SoakOptions Parse(string[] args)
    {
        var options = new SoakOptions();
        for (var i = 0; i < args.Length; i++)
        {
            int Next() => int.Parse(args[++i], CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--minutes" => options with { Minutes = Next() },
                "--devices" => options with { Devices = Next() },
                "--rate" => options with { Rate = Next() },
                "--switchers" => options with { Switchers = Next() },
                "--telemetry-seconds" => options with { TelemetrySeconds = Next() },
                "--sample-seconds" => options with { SampleSeconds = Next() },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        return options;
    }
}

/// <summary>
/// A long steady run to show the server's memory stays flat (issue 12: working set at 10 and 30
/// minutes within 10 %). The server runs in a child process of its own (<c>soak-server</c>: SQLite
/// in a temp directory, the embedded broker), so its working set is read from /proc alone. This
/// process connects N devices (MQTTnet's full client, keep-alive on, as real devices), each sending
/// QoS 1 telemetry every few seconds, while <c>--switchers</c> of them toggle their switch (QoS 1
/// <c>state</c>) at <c>--rate</c> changes per second in total; one automation sends every
/// <c>device.switched</c> to a loopback receiver that verifies each signature. Every minute it prints
/// the server's working set; at the end, published vs. delivered (distinct events) and the ratio of
/// the working set at the end to the one at 10 minutes (or a third of the run when shorter).
/// </summary>
internal static class Soak
{
    internal const string AdminKey = "sk_bench_admin_key_0123456789_abcdefghijklmnopqrstuvwxyz";

    public static async Task<int> RunAsync(SoakOptions options)
    {
        Console.WriteLine($"soak: {options.Devices:N0} devices (telemetry every {options.TelemetrySeconds} s), {options.Switchers} of them switching at {options.Rate}/s in total, " +
            $"{options.Minutes} min; {Environment.ProcessorCount} cores, load average {AppendLoad.LoadAverage()}");
        await using var server = await ServerProcess.StartAsync();
        using var api = new HttpClient { BaseAddress = server.BaseAddress };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        var credentials = await DeviceProvisioner.EnsureDevicesAsync(api, options.Devices, Path.Combine(server.Directory, "devices.json"), "SOAK-");

        await using var receiver = await Receiver.StartAsync();
        var automation = await api.PostAsJsonAsync("/v1/automations", new AutomationRequest(Name: "soak",
            Trigger: new AutomationTrigger(Events: ["device.switched"]),
            Actions: [new AutomationActionRequest("webhook", Url: receiver.Url)]), SmartApiJsonContext.Default.AutomationRequest);
        var created = await automation.Content.ReadFromJsonAsync(SmartApiJsonContext.Default.AutomationResponse)
            ?? throw new InvalidOperationException("creating the automation answered nothing");
        receiver.Verifier = new WebhookVerifier(new WebhookSecret(created.Actions.First(a => a.Secret is not null).Secret!));

        var devices = await ConnectAsync(server.MqttPort, credentials);
        Console.WriteLine($"{devices.Length:N0} devices connected; server working set {server.WorkingSetMb():N0} MB");

        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(options.Minutes));
        var published = 0L;
        var failed = 0L;
        var telemetry = Task.WhenAll(devices.Select((device, i) => SendTelemetryAsync(device, credentials[i].Serial, options, i, () => Interlocked.Increment(ref failed), stop.Token)));
        var switching = SwitchAsync(devices.Take(options.Switchers).ToArray(), credentials, options.Rate,
            () => Interlocked.Increment(ref published), () => Interlocked.Increment(ref failed), stop.Token);

        var samples = new List<(double Minute, double WorkingSetMb)>();
        var started = Stopwatch.GetTimestamp();
        using (var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.SampleSeconds)))
        {
            while (!stop.IsCancellationRequested && await timer.WaitForNextTickAsync(CancellationToken.None))
            {
                var minute = Stopwatch.GetElapsedTime(started).TotalMinutes;
                var ws = server.WorkingSetMb();
                samples.Add((minute, ws));
                Console.WriteLine(FormattableString.Invariant($"{minute,5:F1} min: server working set {ws,6:N0} MB; published {Interlocked.Read(ref published):N0}, delivered {receiver.Distinct:N0}, refused {Interlocked.Read(ref failed):N0}; load average {AppendLoad.LoadAverage()}"));
            }
        }
        await Task.WhenAll(telemetry, switching);
        var deadline = Stopwatch.GetTimestamp() + 30 * Stopwatch.Frequency;
        while (receiver.Distinct < Interlocked.Read(ref published) && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(200);
        }
        foreach (var device in devices)
        {
            device.Dispose();
        }

        var total = Interlocked.Read(ref published);
        var lost = total - receiver.Distinct;
        var reference = samples.LastOrDefault(s => s.Minute <= Math.Min(10.5, options.Minutes / 3.0 + 0.5));
        var end = samples.Count > 0 ? samples[^1] : default;
        var ratio = reference.WorkingSetMb > 0 ? end.WorkingSetMb / reference.WorkingSetMb : double.NaN;
        Console.WriteLine(FormattableString.Invariant(
            $"result: {total:N0} state changes published (acknowledged), {receiver.Distinct:N0} delivered ({lost:N0} lost), {receiver.BadSignatures} bad signatures, {Interlocked.Read(ref failed)} publishes refused; ") +
            FormattableString.Invariant($"working set {reference.WorkingSetMb:N0} MB at {reference.Minute:F1} min, {end.WorkingSetMb:N0} MB at {end.Minute:F1} min: {(ratio - 1) * 100:+0.0;-0.0} % ({(Math.Abs(ratio - 1) <= 0.10 ? "flat: within 10 %" : "NOT within 10 %")})"));
        return lost == 0 && receiver.BadSignatures == 0 && Math.Abs(ratio - 1) <= 0.10 ? 0 : 1;
    }

    /// <summary>MQTTnet's full client per device (keep-alive on, as real devices), 16 connecting at once.</summary>
    internal static async Task<IMqttClient[]> ConnectAsync(int port, IReadOnlyList<SimulatedDeviceCredentials> credentials)
    {
        var devices = new IMqttClient[credentials.Count];
        var factory = new MqttClientFactory();
        await Parallel.ForEachAsync(Enumerable.Range(0, credentials.Count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, token) =>
        {
            var client = factory.CreateMqttClient();
            await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId(credentials[i].Serial)
                .WithCredentials(credentials[i].Serial, credentials[i].Password).WithProtocolVersion(MqttProtocolVersion.V500)
                .WithKeepAlivePeriod(TimeSpan.FromSeconds(30)).WithTimeout(TimeSpan.FromSeconds(30)).Build(), token);
            devices[i] = client;
        });
        return devices;
    }

    /// <summary>One device's telemetry, every <see cref="SoakOptions.TelemetrySeconds"/>, devices spread over the interval.</summary>
    private static async Task SendTelemetryAsync(IMqttClient device, string serial, SoakOptions options, int index, Action refused, CancellationToken stop)
    {
        var topic = DeviceTopics.For(serial, DeviceTopics.Telemetry);
        var energy = 0.0;
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(options.TelemetrySeconds * 1000.0 * index / options.Devices), stop);
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.TelemetrySeconds));
            do
            {
                energy += 0.3;
                var payload = Encoding.UTF8.GetBytes(FormattableString.Invariant($"{{\"powerW\":{100 + index % 50},\"voltageV\":230.1,\"currentA\":0.45,\"energyWh\":{energy:F1}}}"));
                var result = await device.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), stop);
                if (!result.IsSuccess)
                {
                    refused();
                }
            }
            while (await timer.WaitForNextTickAsync(stop));
        }
        catch (Exception) when (stop.IsCancellationRequested)
        {
            // MQTTnet reports a publish cut short by the token as a timeout as well.
        }
    }

    /// <summary>Toggles at <paramref name="rate"/> per second in total, round robin over the switching devices, 10 ticks a second.</summary>
    internal static async Task SwitchAsync(IMqttClient[] devices, IReadOnlyList<SimulatedDeviceCredentials> credentials, int rate, Action published, Action refused, CancellationToken stop)
    {
        var states = new bool[devices.Length];
        var next = 0;
        var sent = 0L;
        var started = Stopwatch.GetTimestamp();
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                // Catch up with the schedule rather than drift: the rate is what was offered, not what a tick managed.
                var due = (long)(Stopwatch.GetElapsedTime(started).TotalSeconds * rate) - sent;
                var batch = new List<Task>();
                for (var n = 0; n < due; n++, sent++)
                {
                    var i = next++ % devices.Length;
                    states[i] = !states[i];
                    var payload = states[i] ? "{\"switch\":\"on\",\"source\":\"button\"}"u8.ToArray() : "{\"switch\":\"off\",\"source\":\"button\"}"u8.ToArray();
                    batch.Add(PublishAsync(devices[i], DeviceTopics.For(credentials[i].Serial, DeviceTopics.State), payload));
                }
                await Task.WhenAll(batch);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }

        async Task PublishAsync(IMqttClient device, string topic, byte[] payload)
        {
            var result = await device.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithRetainFlag()
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), CancellationToken.None);
            if (result.IsSuccess)
            {
                published();
            }
            else
            {
                refused();
            }
        }
    }

    /// <summary>
    /// <c>soak-server DIRECTORY HTTP_PORT MQTT_PORT</c>: the server alone in this process, as it ships
    /// (server GC), until its standard input closes.
    /// </summary>
    public static async Task<int> ServerAsync(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Benchmark", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["urls"] = $"http://127.0.0.1:{args[1]}",
            ["SmartApi:DataDirectory"] = args[0],
            ["SmartApi:BootstrapApiKey"] = AdminKey,
            ["SmartApi:Mqtt:Port"] = args[2],
            ["SmartApi:Mqtt:BindAddress"] = "127.0.0.1",
            ["SmartApi:Webhooks:AllowPrivateNetworks"] = "true",
            ["Logging:LogLevel:System.Net.Http.HttpClient"] = "Warning",
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddSmartApi();
        await using var app = builder.Build();
        app.MapSmartApi();
        await app.StartAsync();
        Console.WriteLine("ready");
        await Console.In.ReadToEndAsync();
        await app.StopAsync();
        return 0;
    }

    /// <summary>The <c>soak-server</c> child: its addresses, its working set, and its end with this process.</summary>
    internal sealed class ServerProcess : IAsyncDisposable
    {
        private readonly Process _process;

        private readonly bool _ownsDirectory;

        private ServerProcess(Process process, string directory, int httpPort, int mqttPort, bool ownsDirectory)
        {
            _process = process;
            _ownsDirectory = ownsDirectory;
            Directory = directory;
            BaseAddress = new Uri($"http://127.0.0.1:{httpPort}");
            MqttPort = mqttPort;
        }

        public string Directory { get; }
        public int Id => _process.Id;
        public Uri BaseAddress { get; }
        public int MqttPort { get; }

        /// <summary>
        /// Starts <paramref name="command"/> (<c>soak-server</c> or another harness's server child) on a
        /// data directory of its own, or on <paramref name="directory"/> (kept afterwards), with extra
        /// environment variables (runtime settings such as <c>DOTNET_GCConserveMemory</c>).
        /// </summary>
        public static async Task<ServerProcess> StartAsync(string command = "soak-server", string? directory = null, IReadOnlyDictionary<string, string>? environment = null)
        {
            var ownsDirectory = directory is null;
            directory ??= System.IO.Directory.CreateTempSubdirectory("smartapi-soak-").FullName;
            var (http, mqtt) = (FreePort(), FreePort());
            var self = Environment.ProcessPath!;
            var start = new ProcessStartInfo(self) { RedirectStandardInput = true, RedirectStandardOutput = true };
            foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            {
                start.Environment[key] = value;
            }
            if (Path.GetFileNameWithoutExtension(self) == "dotnet")
            {
                start.ArgumentList.Add(typeof(Soak).Assembly.Location);
            }
            foreach (var arg in new[] { command, directory, http.ToString(CultureInfo.InvariantCulture), mqtt.ToString(CultureInfo.InvariantCulture) })
            {
                start.ArgumentList.Add(arg);
            }
            var process = Process.Start(start)!;
            while (await process.StandardOutput.ReadLineAsync() is { } line && line != "ready")
            {
            }
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the soak server exited with {process.ExitCode}");
            }
            return new ServerProcess(process, directory, http, mqtt, ownsDirectory);
        }

        /// <summary>VmRSS of the server process (the working set), in MB.</summary>
        public double WorkingSetMb()
        {
            _process.Refresh();
            return _process.WorkingSet64 / 1024.0 / 1024.0;
        }

        /// <summary>Sends one line to the server's standard input and returns its one-line answer.</summary>
        public async Task<string> AskAsync(string line)
        {
            await _process.StandardInput.WriteLineAsync(line);
            await _process.StandardInput.FlushAsync();
            return await _process.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("the server process stopped");
        }

        /// <summary>CPU time the server process used so far (user and system).</summary>
        public TimeSpan Cpu()
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        public async ValueTask DisposeAsync()
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                _process.Kill(entireProcessTree: true);
            }
            await _process.WaitForExitAsync();
            _process.Dispose();
            if (_ownsDirectory)
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
        }
    }

    /// <summary>A loopback receiver that verifies every signature and counts distinct event ids.</summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentDictionary<string, byte> _events = new(StringComparer.Ordinal);
        private long _badSignatures;

        private Receiver(WebApplication app) => _app = app;

        public string Url { get; private set; } = "";
        public WebhookVerifier? Verifier { get; set; }
        public long Distinct => _events.Count;
        public long BadSignatures => Interlocked.Read(ref _badSignatures);

        public static async Task<Receiver> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var receiver = new Receiver(app);
            app.MapPost("/hook", async (Microsoft.AspNetCore.Http.HttpRequest request) =>
            {
                using var buffer = new MemoryStream();
                await request.Body.CopyToAsync(buffer);
                if (receiver.Verifier?.Verify(request.Headers[WebhookHeaders.Signature].ToString(), buffer.ToArray()).IsValid != true)
                {
                    Interlocked.Increment(ref receiver._badSignatures);
                    return Microsoft.AspNetCore.Http.Results.Unauthorized();
                }
                receiver._events.TryAdd(request.Headers[WebhookHeaders.EventId].ToString(), 0);
                return Microsoft.AspNetCore.Http.Results.Ok();
            });
            await app.StartAsync();
            receiver.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/hook";
            return receiver;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
