using SmartApi.Webhooks.Events;
using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SmartApi.Contracts;
using SmartApi.Server.Events;
using SmartApi.Server.Infrastructure;
using SmartApi.Server.Webhooks.Delivery;
using SmartApi.Storage;

namespace SmartApi.Benchmarks;

/// <summary>Options of the <c>deliveries</c> command.</summary>
internal sealed record DeliveryLoadOptions(int Events, int Writers, int Rate, int Seconds, int Runs, bool Verify, int Devices, bool HttpClientLogs, int PerTransaction,
    IReadOnlyList<string> Stores, string? Postgres, int Warmup, int Receivers = 0, int Dead = 0, int ProbeInterval = 5,
    bool ReceiverProcess = false, bool AppendOnly = false, bool Floor = false)
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
                // The receiver in a child process: its CPU is then reported apart from the server's.
                "--receiver-process" => options with { ReceiverProcess = true },
                // Appends only (the engine does not run; the deliveries are written as for it): the CPU of appending.
                "--append-only" => options with { AppendOnly = true },
                // No server and no database: the same signed POSTs straight to the receiver, and SQLite's commits alone (DeliveryFloor).
                "--floor" => options with { Floor = true },
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
        if (options.Floor)
        {
            return await DeliveryFloor.RunAsync(options);
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
            $"HttpClient request logs (as shipped): {options.HttpClientLogs}; receiver in a child process: {options.ReceiverProcess}; append only: {options.AppendOnly}; " +
            $"{Environment.ProcessorCount} cores, server GC {System.Runtime.GCSettings.IsServerGC}, load average {AppendLoad.LoadAverage()}");
        var directory = Directory.CreateTempSubdirectory("smartapi-bench-deliveries-").FullName;
        await using var receiver = await IDeliveryReceiver.StartAsync(options.Verify, options.ReceiverProcess);
        var database = await BenchDatabase.CreateAsync(storeName, options.Postgres, directory);
        var app = await StartServerAsync(directory, options.HttpClientLogs, database.Settings, engine: !options.AppendOnly);
        await database.ExperimentAsync();
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
            await receiver.UseSecretAsync(automation.Actions[0].Secret ?? throw new InvalidOperationException("no secret in the create response"));

            var store = app.Services.GetRequiredService<ISmartApiStore>();
            var events = app.Services.GetRequiredService<EventFactory>();
            var databasePath = database.Outcomes;
            var deviceIds = devices.Select(d => d.Id).ToArray();
            // Without the engine the appends still write each delivery leased and hand it over, as for the engine; the hand-off drops them.
            using var dropped = options.AppendOnly ? store.LeaseQueuedDeliveries("bench-append-only", TimeSpan.FromHours(1), _ => { }) : null;
            if (options.AppendOnly)
            {
                databasePath = () => Task.FromResult("not sent (append only)");
            }

            // Warm-up (tiered JIT, connections, SQLite cache), not counted: with 2,000 events the first
            // counted run still cost twice the CPU per delivery of the later ones, and with 10,000 the
            // first 30,000-event run after it still spent ~40 % of the process's CPU in the JIT
            // (perf: libclrjit), at 2.8x the CPU per delivery of the run after it. Hence 30,000.
            await ThroughputAsync(store, events, receiver, organizationId, deviceIds, options.Warmup, options.Writers, options.PerTransaction, databasePath, print: false, options.AppendOnly, database.ServerProcessorTime);
            Console.WriteLine($"warm-up done, load average {AppendLoad.LoadAverage()}");

            var rates = new List<double>();
            for (var run = 1; run <= options.Runs; run++)
            {
                var rate = await ThroughputAsync(store, events, receiver, organizationId, deviceIds, options.Events, options.Writers, options.PerTransaction, databasePath, print: true, options.AppendOnly, database.ServerProcessorTime);
                rates.Add(rate);
            }
            rates.Sort();
            var median = rates[rates.Count / 2];
            if (options.AppendOnly)
            {
                Console.WriteLine($"append-only median: {median:N0} events/s with their deliveries written, load average {AppendLoad.LoadAverage()}");
                return (median, 0);
            }
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

    internal static async Task<WebApplication> StartServerAsync(string directory, bool httpClientLogs, IReadOnlyDictionary<string, string?> storage, bool engine = true)
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
        if (!engine)
        {
            builder.Services.Remove(builder.Services.Single(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(DeliveryDispatcher)));
        }
        var app = builder.Build();
        app.MapSmartApi();
        await app.StartAsync();
        return app;
    }

    /// <summary>Appends <paramref name="count"/> events from concurrent tasks and times them until all are received; returns deliveries/s.</summary>
    private static async Task<double> ThroughputAsync(
        ISmartApiStore store, EventFactory events, IDeliveryReceiver receiver, string organizationId, string[] deviceIds,
        int count, int writers, int perTransaction, Func<Task<string>> databasePath, bool print, bool appendOnly, Func<TimeSpan>? databaseCpu)
    {
        var pending = new ConcurrentDictionary<string, long>();
        await receiver.ExpectAsync(pending);
        var next = -1;
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var receiverCpuBefore = receiver.ProcessorTime;
        var databaseCpuBefore = databaseCpu?.Invoke();
        var allocatedBefore = GC.GetTotalAllocatedBytes();
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
        if (appendOnly)
        {
            process.Refresh();
            var cpuPerEvent = (process.TotalProcessorTime - cpuBefore).TotalMicroseconds / count;
            var allocatedPerEvent = (GC.GetTotalAllocatedBytes() - allocatedBefore) / count;
            var postgresPerEvent = databaseCpu?.Invoke() - databaseCpuBefore is { } p ? $"; PostgreSQL processes {p.TotalMicroseconds / count:N0} µs per event" : "";
            if (print)
            {
                Console.WriteLine($"run: appended {count:N0} in {appended.TotalSeconds:N2} s = {count / appended.TotalSeconds:N0} events/s with their deliveries written (none sent); " +
                    $"process CPU {cpuPerEvent:N0} µs and {allocatedPerEvent:N0} B allocated per event (appending alone){postgresPerEvent}");
            }
            return count / appended.TotalSeconds;
        }
        var received = await receiver.WaitForAsync(count, TimeSpan.FromSeconds(120));
        if (received.Count < count)
        {
            throw new InvalidOperationException($"Only {received.Count} of {count} deliveries arrived within 120 s.");
        }
        process.Refresh();
        // CPU time does not depend on how much of the cores other sessions take, unlike the rate.
        var cpuPerDelivery = (process.TotalProcessorTime - cpuBefore).TotalMicroseconds / count;
        var receiverCpu = receiver.ProcessorTime - receiverCpuBefore is { } r ? $"; receiver process {r.TotalMicroseconds / count:N0} µs per delivery" : "";
        // (Read after the outcomes are recorded, below, so their statements count.)
        var postgresCpu = "";
        var times = received.Select(r => r.ReceivedAt).Order().ToArray();
        var total = Stopwatch.GetElapsedTime(start, times[^1]).TotalSeconds;
        // The middle 80 %: the steady state, without the ramp-up and the tail.
        var steady = 0.8 * count / Stopwatch.GetElapsedTime(times[count / 10], times[count * 9 / 10]).TotalSeconds;
        var statuses = await databasePath();
        // After the outcomes are recorded (the statuses wait for them): every managed allocation of the run, receiver included.
        var allocatedPerDelivery = (GC.GetTotalAllocatedBytes() - allocatedBefore) / count;
        if (databaseCpu?.Invoke() - databaseCpuBefore is { } database)
        {
            postgresCpu = $"; PostgreSQL processes {database.TotalMicroseconds / count:N0} µs per delivery (to the outcomes)";
        }
        if (print)
        {
            Console.WriteLine($"run: appended {count:N0} in {appended.TotalSeconds:N2} s ({count / appended.TotalSeconds:N0} events/s); " +
                $"all received after {total:N2} s = {count / total:N0} deliveries/s overall, {steady:N0}/s in the middle 80 %; " +
                $"process CPU {cpuPerDelivery:N0} µs per delivery ({(receiverCpu.Length == 0 ? "appending + server + receiver" : "appending + server")}){receiverCpu}{postgresCpu}; " +
                $"{allocatedPerDelivery:N0} B allocated per delivery; deliveries table: {statuses}");
        }
        if (!statuses.StartsWith("succeeded=", StringComparison.Ordinal) || statuses.Contains(' ', StringComparison.Ordinal))
        {
            throw new InvalidOperationException("Not every delivery succeeded: " + statuses);
        }
        return count / total;
    }

    private static async Task LatencyAsync(
        ISmartApiStore store, EventFactory events, IDeliveryReceiver receiver, string organizationId, string[] deviceIds,
        int rate, int seconds, Func<Task<string>> databasePath)
    {
        var pending = new ConcurrentDictionary<string, long>();
        await receiver.ExpectAsync(pending);
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
}
