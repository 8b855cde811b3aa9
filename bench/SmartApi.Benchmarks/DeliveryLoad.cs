using SmartApi.Webhooks.Events;
using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SmartApi.Contracts;
using SmartApi.Server.Events;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;
using SmartApi.Webhooks;

namespace SmartApi.Benchmarks;

/// <summary>Options of the <c>deliveries</c> command.</summary>
internal sealed record DeliveryLoadOptions(int Events, int Writers, int Rate, int Seconds, int Runs, bool Verify, int Devices, bool HttpClientLogs, int PerTransaction,
    IReadOnlyList<string> Stores, string? Postgres, int Warmup, int Receivers = 0, int Dead = 0, int ProbeInterval = 5)
{
    public static DeliveryLoadOptions Parse(string[] args)
    {
        var options = new DeliveryLoadOptions(Events: 20_000, Writers: 32, Rate: 500, Seconds: 20, Runs: 3, Verify: true, Devices: 100, HttpClientLogs: true, PerTransaction: 50,
            Stores: ["sqlite"], Postgres: Environment.GetEnvironmentVariable("SMARTAPI_TEST_POSTGRES"), Warmup: 30_000);
        for (var i = 0; i < args.Length; i++)
        {
            int Next() => int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--events" => options with { Events = Next() },
                "--writers" => options with { Writers = Next() },
                "--rate" => options with { Rate = Next() },
                "--seconds" => options with { Seconds = Next() },
                "--runs" => options with { Runs = Next() },
                "--devices" => options with { Devices = Next() },
                "--per-tx" => options with { PerTransaction = Next() },
                // Events delivered before the counted runs (not counted).
                "--warmup" => options with { Warmup = Next() },
                "--no-verify" => options with { Verify = false },
                // Circuit mode (CircuitLoad): this many webhook automations, one receiver path each, of
                // which --dead point at a closed port; alternated with a run where all are healthy.
                "--receivers" => options with { Receivers = Next() },
                "--dead" => options with { Dead = Next() },
                "--probe-interval" => options with { ProbeInterval = Next() },
                // Which set-ups run, one after the other in this process: sqlite, postgres (one node),
                // postgres2 (two nodes in this process on one database; appends go through the first).
                "--stores" => options with { Stores = args[++i].Split(',') },
                // Default: SMARTAPI_TEST_POSTGRES (eval "$(.ci/postgres.sh start --durable)").
                "--postgres" => options with { Postgres = args[++i] },
                // The shipped appsettings log each webhook request at Information (IHttpClientFactory's
                // handlers, 4 lines per delivery); this turns those categories down to Warning.
                "--no-http-client-logs" => options with { HttpClientLogs = false },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        return options;
    }
}

/// <summary>
/// End-to-end webhook delivery through the real server: Kestrel + SQLite in a temp directory, the
/// outbox dispatcher and the SSRF-guarded sender, to a loopback receiver that verifies every
/// signature. (a) throughput: N events appended as fast as the store takes them, timed until the
/// receiver has all of them, then every delivery row must be <c>succeeded</c>; (b) latency: a steady
/// rate for some seconds, event creation (just before the append) to receipt.
/// </summary>
internal static class DeliveryLoad
{
    internal const string AdminKey = "sk_bench_admin_key_0123456789_abcdefghijklmnopqrstuvwxyz";

    public static async Task<int> RunAsync(DeliveryLoadOptions options)
    {
        if (options.Receivers > 0)
        {
            return await CircuitLoad.RunAsync(options);
        }
        var medians = new List<(string Store, double Median)>();
        var failures = 0;
        foreach (var store in options.Stores)
        {
            var (median, status) = await RunStoreAsync(options, store);
            medians.Add((store, median));
            failures += status;
        }
        if (medians.Count > 1)
        {
            // Side by side, from the same process on the same machine minutes apart.
            Console.WriteLine("summary (throughput medians): " + string.Join("; ", medians.Select(m =>
                $"{m.Store} {m.Median:N0}/s ({m.Median / medians[0].Median:N2}x {medians[0].Store})")));
        }
        return failures == 0 ? 0 : 1;
    }

    private static async Task<(double Median, int Status)> RunStoreAsync(DeliveryLoadOptions options, string storeName)
    {
        Console.WriteLine($"== {storeName} ==");
        Console.WriteLine($"deliveries: throughput {options.Events:N0} events x {options.Runs} runs ({options.Writers} appending tasks, {options.PerTransaction} events per transaction, {options.Devices} devices); " +
            $"latency {options.Rate}/s for {options.Seconds} s; receiver verifies signatures: {options.Verify}; " +
            $"HttpClient request logs (as shipped): {options.HttpClientLogs}; " +
            $"{Environment.ProcessorCount} cores, server GC {System.Runtime.GCSettings.IsServerGC}, load average {AppendLoad.LoadAverage()}");
        var directory = Directory.CreateTempSubdirectory("smartapi-bench-deliveries-").FullName;
        await using var receiver = await Receiver.StartAsync(options.Verify);
        var database = await BenchDatabase.CreateAsync(storeName, options.Postgres, directory);
        var app = await StartServerAsync(directory, options.HttpClientLogs, database.Settings);
        // A second node: its own server (and dispatcher) on the same database, in this process.
        var second = storeName == "postgres2" ? await StartServerAsync(Directory.CreateTempSubdirectory("smartapi-bench-node2-").FullName, options.HttpClientLogs, database.Settings) : null;
        try
        {
            using var admin = new HttpClient { BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()) };
            admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
            var devices = new List<DeviceResponse>();
            for (var i = 0; i < options.Devices; i++)
            {
                var response = await admin.PostAsJsonAsync("/v1/devices", new CreateDeviceRequest($"DT31-{i:D6}", $"Bench {i}"), SmartApiJsonContext.Default.CreateDeviceRequest);
                response.EnsureSuccessStatusCode();
                devices.Add((await response.Content.ReadFromJsonAsync(SmartApiJsonContext.Default.DeviceResponse))!);
            }
            var organizationId = devices[0].OrganizationId;
            // After the devices, so their device.created events are not delivered.
            var created = await admin.PostAsJsonAsync("/v1/automations", new AutomationRequest(
                Name: "bench", Trigger: new AutomationTrigger(Events: ["*"]),
                Actions: [new AutomationActionRequest("webhook", Url: receiver.Url)]), SmartApiJsonContext.Default.AutomationRequest);
            created.EnsureSuccessStatusCode();
            var automation = (await created.Content.ReadFromJsonAsync(SmartApiJsonContext.Default.AutomationResponse))!;
            receiver.UseSecret(automation.Actions[0].Secret ?? throw new InvalidOperationException("no secret in the create response"));

            var store = app.Services.GetRequiredService<ISmartApiStore>();
            var events = app.Services.GetRequiredService<EventFactory>();
            var databasePath = database.Outcomes;
            var deviceIds = devices.Select(d => d.Id).ToArray();

            // Warm-up (tiered JIT, connections, SQLite cache), not counted: with 2,000 events the first
            // counted run still cost twice the CPU per delivery of the later ones, and with 10,000 the
            // first 30,000-event run after it still spent ~40 % of the process's CPU in the JIT
            // (perf: libclrjit), at 2.8x the CPU per delivery of the run after it. Hence 30,000.
            await ThroughputAsync(store, events, receiver, organizationId, deviceIds, options.Warmup, options.Writers, options.PerTransaction, databasePath, print: false);
            Console.WriteLine($"warm-up done, load average {AppendLoad.LoadAverage()}");

            var rates = new List<double>();
            for (var run = 1; run <= options.Runs; run++)
            {
                var rate = await ThroughputAsync(store, events, receiver, organizationId, deviceIds, options.Events, options.Writers, options.PerTransaction, databasePath, print: true);
                rates.Add(rate);
            }
            rates.Sort();
            var median = rates[rates.Count / 2];
            Console.WriteLine($"throughput median: {median:N0} signed deliveries/s (target >= 5,000: {(median >= 5_000 ? "met" : "NOT met")}), load average {AppendLoad.LoadAverage()}");

            await LatencyAsync(store, events, receiver, organizationId, deviceIds, options.Rate, options.Seconds, databasePath);
            Console.WriteLine($"receiver: {receiver.Duplicates} duplicate receipts, {receiver.Rejected} signature failures; load average {AppendLoad.LoadAverage()}");
            return (median, receiver.Rejected == 0 ? 0 : 1);
        }
        finally
        {
            foreach (var node in new[] { second, app })
            {
                if (node is not null)
                {
                    await node.StopAsync();
                    await node.DisposeAsync();
                }
            }
            SqliteConnection.ClearAllPools();
            await database.DisposeAsync();
            Directory.Delete(directory, recursive: true);
        }
    }

    internal static async Task<WebApplication> StartServerAsync(string directory, bool httpClientLogs, IReadOnlyDictionary<string, string?> storage)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Benchmark", ContentRootPath = AppContext.BaseDirectory });
        var settings = new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["SmartApi:DataDirectory"] = directory,
            ["SmartApi:BootstrapApiKey"] = AdminKey,
            ["SmartApi:Mqtt:Port"] = "0",
            ["SmartApi:Webhooks:AllowPrivateNetworks"] = "true",
        };
        if (!httpClientLogs)
        {
            settings["Logging:LogLevel:System.Net.Http.HttpClient"] = "Warning";
        }
        foreach (var (key, value) in storage)
        {
            settings[key] = value;
        }
        // The server's own appsettings.json (copied to the output) applies otherwise, as in production.
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddSmartApi();
        var app = builder.Build();
        app.MapSmartApi();
        await app.StartAsync();
        return app;
    }

    /// <summary>Appends <paramref name="count"/> events from concurrent tasks and times them until all are received; returns deliveries/s.</summary>
    private static async Task<double> ThroughputAsync(
        ISmartApiStore store, EventFactory events, Receiver receiver, string organizationId, string[] deviceIds,
        int count, int writers, int perTransaction, Func<Task<string>> databasePath, bool print)
    {
        var pending = new ConcurrentDictionary<string, long>();
        receiver.Expect(pending);
        var next = -1;
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var start = Stopwatch.GetTimestamp();
        var appenders = Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
        {
            int first;
            while ((first = Interlocked.Add(ref next, perTransaction) - perTransaction + 1) < count)
            {
                await AppendBatchAsync(store, events, organizationId, deviceIds, first, Math.Min(perTransaction, count - first), pending);
            }
        })).ToArray();
        await Task.WhenAll(appenders);
        var appended = Stopwatch.GetElapsedTime(start);
        var received = await receiver.WaitForAsync(count, TimeSpan.FromSeconds(120));
        if (received.Count < count)
        {
            throw new InvalidOperationException($"Only {received.Count} of {count} deliveries arrived within 120 s.");
        }
        process.Refresh();
        // CPU time does not depend on how much of the cores other sessions take, unlike the rate.
        var cpuPerDelivery = (process.TotalProcessorTime - cpuBefore).TotalMicroseconds / count;
        var times = received.Select(r => r.ReceivedAt).Order().ToArray();
        var total = Stopwatch.GetElapsedTime(start, times[^1]).TotalSeconds;
        // The middle 80 %: the steady state, without the ramp-up and the tail.
        var steady = 0.8 * count / Stopwatch.GetElapsedTime(times[count / 10], times[count * 9 / 10]).TotalSeconds;
        var statuses = await databasePath();
        if (print)
        {
            Console.WriteLine($"run: appended {count:N0} in {appended.TotalSeconds:N2} s ({count / appended.TotalSeconds:N0} events/s); " +
                $"all received after {total:N2} s = {count / total:N0} deliveries/s overall, {steady:N0}/s in the middle 80 %; " +
                $"process CPU {cpuPerDelivery:N0} µs per delivery (appending + server + receiver); deliveries table: {statuses}");
        }
        if (!statuses.StartsWith("succeeded=", StringComparison.Ordinal) || statuses.Contains(' ', StringComparison.Ordinal))
        {
            throw new InvalidOperationException("Not every delivery succeeded: " + statuses);
        }
        return count / total;
    }

    private static async Task LatencyAsync(
        ISmartApiStore store, EventFactory events, Receiver receiver, string organizationId, string[] deviceIds,
        int rate, int seconds, Func<Task<string>> databasePath)
    {
        var pending = new ConcurrentDictionary<string, long>();
        receiver.Expect(pending);
        var count = rate * seconds;
        var commits = new double[count];
        var appends = new List<Task>(count);
        var start = Stopwatch.GetTimestamp();
        var interval = Stopwatch.Frequency / (double)rate;
        for (var i = 0; i < count; i++)
        {
            // Paced on the clock, not on a timer: a late wake-up issues the events that fell due
            // at once, so the offered rate stays at `rate` on average.
            var due = start + (long)(i * interval);
            while (Stopwatch.GetTimestamp() < due)
            {
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.FromMilliseconds(1.5))
                {
                    await Task.Delay(1);
                }
                else
                {
                    Thread.Yield();
                }
            }
            var index = i;
            appends.Add(Task.Run(async () =>
            {
                var begun = Stopwatch.GetTimestamp();
                await AppendAsync(store, events, organizationId, deviceIds[index % deviceIds.Length], index, pending);
                commits[index] = Stopwatch.GetElapsedTime(begun).TotalMilliseconds;
            }));
        }
        await Task.WhenAll(appends);
        var offered = count / Stopwatch.GetElapsedTime(start).TotalSeconds;
        var received = await receiver.WaitForAsync(count, TimeSpan.FromSeconds(60));
        if (received.Count < count)
        {
            throw new InvalidOperationException($"Only {received.Count} of {count} deliveries arrived within 60 s.");
        }
        var latencies = received.Select(r => Stopwatch.GetElapsedTime(r.CreatedAt, r.ReceivedAt).TotalMilliseconds).Order().ToArray();
        Array.Sort(commits);
        var statuses = await databasePath();
        Console.WriteLine($"latency: {count:N0} events at {offered:N0}/s offered; creation -> receipt ms: " +
            $"p50 {Percentile(latencies, 50):N1}, p90 {Percentile(latencies, 90):N1}, p99 {Percentile(latencies, 99):N1}, max {latencies[^1]:N1} " +
            $"(targets p50 <= 10, p99 <= 50: {(Percentile(latencies, 50) <= 10 && Percentile(latencies, 99) <= 50 ? "met" : "NOT met")}); " +
            $"of which append -> commit: p50 {Percentile(commits, 50):N1}, p99 {Percentile(commits, 99):N1}; deliveries table: {statuses}");
    }

    private static async Task AppendAsync(
        ISmartApiStore store, EventFactory events, string organizationId, string deviceId, int i, ConcurrentDictionary<string, long> pending)
    {
        var newEvent = events.Create(WebhookEventTypes.DeviceUpdated, organizationId,
            new DeviceChangedData(deviceId, EventFactory.AssignedOnAppend, "DT31-BENCH", $"Bench {i}", NoChanges.Value));
        // Created = stamped before the append; the outbox row is written in the event's transaction.
        pending[newEvent.Id] = Stopwatch.GetTimestamp();
        await store.WriteAsync(tx => tx.AppendEventAsync(newEvent));
    }

    /// <summary>Several events in one transaction, so that generating them outruns delivering them.</summary>
    internal static async Task AppendBatchAsync(
        ISmartApiStore store, EventFactory events, string organizationId, string[] deviceIds, int first, int count, ConcurrentDictionary<string, long> pending)
    {
        var batch = new NewEvent[count];
        for (var k = 0; k < count; k++)
        {
            var i = first + k;
            batch[k] = events.Create(WebhookEventTypes.DeviceUpdated, organizationId,
                new DeviceChangedData(deviceIds[i % deviceIds.Length], EventFactory.AssignedOnAppend, "DT31-BENCH", $"Bench {i}", NoChanges.Value));
            pending[batch[k].Id] = Stopwatch.GetTimestamp();
        }
        await store.WriteAsync(async tx =>
        {
            foreach (var newEvent in batch)
            {
                await tx.AppendEventAsync(newEvent);
            }
            return true;
        });
    }

    /// <summary>Waits until no delivery is pending (outcomes are recorded after the receipt) and returns the counts per status.</summary>
    internal static async Task<string> WaitForOutcomesAsync(System.Data.Common.DbConnection connection)
    {
        await using var owned = connection;
        await connection.OpenAsync();
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 60;
        while (true)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT status, COUNT(*) FROM deliveries GROUP BY status ORDER BY status";
            var parts = new List<string>();
            var pending = false;
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    parts.Add($"{reader.GetString(0)}={reader.GetInt64(1)}");
                    pending |= reader.GetString(0) == "pending";
                }
            }
            if (!pending || Stopwatch.GetTimestamp() > deadline)
            {
                return string.Join(' ', parts);
            }
            await Task.Delay(100);
        }
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];

    /// <summary>A minimal loopback webhook receiver: verifies X-Signature, records the receipt time per X-Event-Id, answers 200.</summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly bool _verify;
        private volatile WebhookVerifier? _verifier;
        private volatile ConcurrentDictionary<string, long> _expected = new();
        private ConcurrentQueue<(long CreatedAt, long ReceivedAt)> _received = new();
        private long _duplicates;
        private long _rejected;

        private Receiver(WebApplication app, bool verify)
        {
            _app = app;
            _verify = verify;
        }

        public string Url { get; private set; } = "";
        public long Duplicates => Interlocked.Read(ref _duplicates);
        public long Rejected => Interlocked.Read(ref _rejected);

        public static async Task<Receiver> StartAsync(bool verify)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var receiver = new Receiver(app, verify);
            app.MapPost("/hook", receiver.HandleAsync);
            await app.StartAsync();
            receiver.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/hook";
            return receiver;
        }

        public void UseSecret(string secret) => _verifier = new WebhookVerifier(new WebhookSecret(secret));

        /// <summary>Starts a new measurement: receipts of these event ids are recorded, others only answered.</summary>
        public void Expect(ConcurrentDictionary<string, long> expected)
        {
            _received = new ConcurrentQueue<(long, long)>();
            _expected = expected;
        }

        public async Task<IReadOnlyCollection<(long CreatedAt, long ReceivedAt)>> WaitForAsync(int count, TimeSpan timeout)
        {
            var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
            while (_received.Count < count && Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(10);
            }
            return _received;
        }

        private async Task HandleAsync(HttpContext context)
        {
            var receivedAt = Stopwatch.GetTimestamp();
            var length = (int)(context.Request.ContentLength ?? 0);
            var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
            try
            {
                var read = 0;
                int n;
                while (read < length && (n = await context.Request.Body.ReadAsync(buffer.AsMemory(read, length - read))) > 0)
                {
                    read += n;
                }
                if (_verify && !(_verifier?.Verify(context.Request.Headers[WebhookHeaders.Signature].ToString(), buffer.AsSpan(0, read)).IsValid ?? false))
                {
                    Interlocked.Increment(ref _rejected);
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    return;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
            var eventId = context.Request.Headers[WebhookHeaders.EventId].ToString();
            var expected = _expected;
            if (expected.TryRemove(eventId, out var createdAt))
            {
                _received.Enqueue((createdAt, receivedAt));
            }
            else if (eventId.StartsWith("evt_", StringComparison.Ordinal) && !expected.IsEmpty)
            {
                // Either a repeat of one already received or an event from before this measurement.
                Interlocked.Increment(ref _duplicates);
            }
            context.Response.StatusCode = StatusCodes.Status200OK;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
