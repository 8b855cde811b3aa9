using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SmartApi.Contracts;
using SmartApi.Server.Events;
using SmartApi.Storage;
using SmartApi.Webhooks;
using SmartApi.Webhooks.Events;

namespace SmartApi.Benchmarks;

/// <summary>
/// The circuit mode of <c>deliveries</c> (<c>--receivers 200 --dead 100</c>): one webhook automation per
/// receiver, each triggered by its own device, so events spread evenly over them. Healthy receivers are paths
/// of one loopback Kestrel receiver that verifies every signature; dead ones point at a closed port
/// (connection refused, as a stopped receiver). Runs alternate between "all healthy" and "with dead" on a
/// fresh server and database each; the dead circuits are opened in the warm-up, and the counted part measures
/// healthy deliveries/s and how many attempts still reach the dead receivers (ADR 041: one probe per interval).
/// SQLite only.
/// </summary>
internal static class CircuitLoad
{
    private sealed record RunResult(double HealthyPerSecond, double EventsPerSecond, double CpuMicroseconds, long DeadAttempts, double DeadWindowSeconds);

    public static async Task<int> RunAsync(DeliveryLoadOptions options)
    {
        if (options.Dead < 1 || options.Dead >= options.Receivers)
        {
            throw new ArgumentException("--dead must be at least 1 and fewer than --receivers");
        }
        if (options.Stores is not ["sqlite"])
        {
            throw new ArgumentException("--receivers runs on SQLite only (leave out --stores)");
        }
        // Whole rounds over the receivers, so each gets the same share.
        var events = Math.Max(1, options.Events / options.Receivers) * options.Receivers;
        var warmup = Math.Max(1, options.Warmup / options.Receivers) * options.Receivers;
        Console.WriteLine($"deliveries, circuit mode: {options.Receivers} webhook automations (one device and one receiver path each), " +
            $"{options.Dead} of them dead (closed port) against all healthy, alternated x {options.Runs}; {events:N0} events per run after {warmup:N0} warm-up; " +
            $"probe interval {options.ProbeInterval} s; receiver verifies signatures: {options.Verify}; HttpClient request logs: {options.HttpClientLogs}; " +
            $"{Environment.ProcessorCount} cores, load average {AppendLoad.LoadAverage()}");
        await using var receiver = await Receiver.StartAsync(options.Receivers, options.Verify);
        var healthy = new List<RunResult>();
        var withDead = new List<RunResult>();
        for (var run = 1; run <= options.Runs; run++)
        {
            healthy.Add(await RunOnceAsync(options, receiver, dead: 0, events, warmup));
            withDead.Add(await RunOnceAsync(options, receiver, options.Dead, events, warmup));
        }
        var allHealthy = Median(healthy.Select(r => r.HealthyPerSecond));
        var someDead = Median(withDead.Select(r => r.HealthyPerSecond));
        var probesPerInterval = withDead.Sum(r => r.DeadAttempts) / (double)options.Dead / (withDead.Sum(r => r.DeadWindowSeconds) / options.ProbeInterval);
        Console.WriteLine($"summary (medians of {options.Runs}): all {options.Receivers} healthy {allHealthy:N0} deliveries/s " +
            $"({Median(healthy.Select(r => r.CpuMicroseconds)):N0} µs CPU each); with {options.Dead} dead {someDead:N0} healthy deliveries/s " +
            $"({Median(withDead.Select(r => r.CpuMicroseconds)):N0} µs CPU per healthy delivery), ratio {someDead / allHealthy:N2}; " +
            $"events/s {Median(healthy.Select(r => r.EventsPerSecond)):N0} against {Median(withDead.Select(r => r.EventsPerSecond)):N0}; " +
            $"attempts at dead receivers: {probesPerInterval:N2} per receiver per probe interval; " +
            $"receiver: {receiver.Duplicates} duplicates, {receiver.Rejected} signature failures; load average {AppendLoad.LoadAverage()}");
        return receiver.Rejected == 0 && receiver.Duplicates == 0 ? 0 : 1;
    }

    private static async Task<RunResult> RunOnceAsync(DeliveryLoadOptions options, Receiver receiver, int dead, int events, int warmup)
    {
        var directory = Directory.CreateTempSubdirectory("smartapi-bench-circuit-").FullName;
        var databasePath = Path.Combine(directory, "smartapi.db");
        var app = await DeliveryLoad.StartServerAsync(directory, options.HttpClientLogs, new Dictionary<string, string?>());
        try
        {
            using var admin = new HttpClient { BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()) };
            admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", DeliveryLoad.AdminKey);
            var deadPort = ClosedPort();
            var healthyCount = options.Receivers - dead;
            var deviceIds = new string[options.Receivers];
            var deadAutomations = new List<string>();
            var secrets = new string[options.Receivers];
            string organizationId = "";
            for (var i = 0; i < options.Receivers; i++)
            {
                var response = await admin.PostAsJsonAsync("/v1/devices", new CreateDeviceRequest($"DT31-{i:D6}", $"Bench {i}"), SmartApiJsonContext.Default.CreateDeviceRequest);
                response.EnsureSuccessStatusCode();
                var device = (await response.Content.ReadFromJsonAsync(SmartApiJsonContext.Default.DeviceResponse))!;
                deviceIds[i] = device.Id;
                organizationId = device.OrganizationId;
            }
            // After the devices, so their device.created events are not delivered.
            for (var i = 0; i < options.Receivers; i++)
            {
                var url = i < healthyCount ? $"{receiver.BaseUrl}/hook/{i}" : $"http://127.0.0.1:{deadPort}/hook/{i}";
                var created = await admin.PostAsJsonAsync("/v1/automations", new AutomationRequest(
                    Name: $"bench {i}", Trigger: new AutomationTrigger(Events: [WebhookEventTypes.DeviceUpdated], DeviceIds: [deviceIds[i]]),
                    Actions: [new AutomationActionRequest("webhook", Url: url, CircuitBreaker: new WebhookCircuitBreaker(ProbeIntervalSeconds: options.ProbeInterval))]),
                    SmartApiJsonContext.Default.AutomationRequest);
                created.EnsureSuccessStatusCode();
                var automation = (await created.Content.ReadFromJsonAsync(SmartApiJsonContext.Default.AutomationResponse))!;
                secrets[i] = automation.Actions[0].Secret ?? throw new InvalidOperationException("no secret in the create response");
                if (i >= healthyCount)
                {
                    deadAutomations.Add(automation.Id);
                }
            }
            receiver.UseSecrets(secrets);
            var store = app.Services.GetRequiredService<ISmartApiStore>();
            var factory = app.Services.GetRequiredService<EventFactory>();
            await using var database = new SqliteConnection($"Data Source={databasePath};Mode=ReadOnly");
            await database.OpenAsync();
            var deadList = deadAutomations.Count == 0 ? "''" : string.Join(',', deadAutomations.Select(id => $"'{id}'"));

            // Warm-up: JIT, connections, and with dead receivers their circuits open.
            await AppendAndReceiveAsync(options, receiver, store, factory, organizationId, deviceIds, healthyCount, warmup);
            var opened = Stopwatch.GetTimestamp();
            while (dead > 0 && await ScalarAsync(database, $"SELECT COUNT(*) FROM webhook_circuits c JOIN webhooks w ON w.id = c.webhook_id WHERE c.state <> 'closed' AND w.automation_id IN ({deadList})") < dead)
            {
                if (Stopwatch.GetElapsedTime(opened) > TimeSpan.FromSeconds(60))
                {
                    throw new InvalidOperationException("The dead receivers' circuits did not all open within 60 s of the warm-up.");
                }
                await Task.Delay(100);
            }
            var deadAttemptsSql = $"SELECT COUNT(*) FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.automation_id IN ({deadList})";
            // Deliveries that passed the gate before their circuit opened wait for the dead host's lane; the gate's
            // second check after the lane wait holds them, but attempts already in flight still end after the
            // opening: let that backlog drain first, and count what it still sent.
            var opening = await ScalarAsync(database, deadAttemptsSql);
            while (dead > 0 && await ScalarAsync(database, $"SELECT COUNT(*) FROM deliveries WHERE lease_owner IS NOT NULL AND automation_id IN ({deadList})") > 0)
            {
                if (Stopwatch.GetElapsedTime(opened) > TimeSpan.FromSeconds(120))
                {
                    throw new InvalidOperationException("The dead receivers' claimed deliveries did not drain within 120 s.");
                }
                await Task.Delay(100);
            }
            var deadAttemptsBefore = await ScalarAsync(database, deadAttemptsSql);
            var drained = dead == 0 ? "" : $"; after all circuits were open, {deadAttemptsBefore - opening} attempts of deliveries claimed before drained in {Stopwatch.GetElapsedTime(opened).TotalSeconds:N1} s";
            var windowStart = Stopwatch.GetTimestamp();
            var windowStartMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

            using var process = Process.GetCurrentProcess();
            var cpuBefore = process.TotalProcessorTime;
            var (expected, seconds) = await AppendAndReceiveAsync(options, receiver, store, factory, organizationId, deviceIds, healthyCount, events);
            process.Refresh();
            var cpu = (process.TotalProcessorTime - cpuBefore).TotalMicroseconds / expected;

            // Every healthy delivery must end succeeded (outcomes are recorded just after the receipt).
            var statuses = "";
            for (var wait = 0; wait < 600; wait++)
            {
                statuses = await StatusesAsync(database, $"SELECT status, COUNT(*) FROM deliveries WHERE automation_id NOT IN ({deadList}) GROUP BY status ORDER BY status");
                if (!statuses.Contains("pending", StringComparison.Ordinal))
                {
                    break;
                }
                await Task.Delay(100);
            }
            if (!statuses.StartsWith("succeeded=", StringComparison.Ordinal) || statuses.Contains(' ', StringComparison.Ordinal))
            {
                throw new InvalidOperationException("Not every healthy delivery succeeded: " + statuses);
            }
            // Steady state: a few probe intervals more with the held deliveries only.
            if (dead > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(options.ProbeInterval * 2));
            }
            var deadAttempts = await ScalarAsync(database, deadAttemptsSql) - deadAttemptsBefore;
            var window = Stopwatch.GetElapsedTime(windowStart).TotalSeconds;
            var newOnes = await ScalarAsync(database, $"{deadAttemptsSql} AND d.created_at >= {windowStartMs} AND a.number = 1");
            var deadStatuses = dead == 0 ? "" : "; dead receivers' deliveries: " +
                await StatusesAsync(database, $"SELECT COALESCE(held_reason, status), COUNT(*) FROM deliveries WHERE automation_id IN ({deadList}) GROUP BY 1 ORDER BY 1") +
                $", {deadAttempts} attempts in the {window:N1} s from the counted run's start ({deadAttempts / (double)dead / (window / options.ProbeInterval):N2} per receiver per {options.ProbeInterval} s interval; " +
                $"{newOnes} of them first attempts of the run's deliveries){drained}";
            Console.WriteLine($"run ({(dead == 0 ? "all healthy" : $"{dead} dead")}): {expected:N0} healthy deliveries of {events:N0} events in {seconds:N2} s = " +
                $"{expected / seconds:N0} deliveries/s ({events / seconds:N0} events/s), {cpu:N0} µs process CPU per healthy delivery; healthy: {statuses}{deadStatuses}; " +
                $"load average {AppendLoad.LoadAverage()}");
            return new RunResult(expected / seconds, events / seconds, cpu, deadAttempts, window);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Appends <paramref name="count"/> events round-robin over the devices and waits for every healthy one to arrive.</summary>
    private static async Task<(int Expected, double Seconds)> AppendAndReceiveAsync(
        DeliveryLoadOptions options, Receiver receiver, ISmartApiStore store, EventFactory factory, string organizationId, string[] deviceIds, int healthyCount, int count)
    {
        // Event i goes to device i % n; the healthy receivers are the first healthyCount.
        var expected = count / deviceIds.Length * healthyCount;
        var pending = new ConcurrentDictionary<string, long>();
        receiver.Expect(pending);
        var next = -1;
        var start = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, options.Writers).Select(_ => Task.Run(async () =>
        {
            int first;
            while ((first = Interlocked.Add(ref next, options.PerTransaction) - options.PerTransaction + 1) < count)
            {
                await DeliveryLoad.AppendBatchAsync(store, factory, organizationId, deviceIds, first, Math.Min(options.PerTransaction, count - first), pending);
            }
        })));
        var last = await receiver.WaitForAsync(expected, TimeSpan.FromSeconds(120));
        if (last is null)
        {
            throw new InvalidOperationException($"Only {receiver.Received} of {expected} healthy deliveries arrived within 120 s.");
        }
        return (expected, Stopwatch.GetElapsedTime(start, last.Value).TotalSeconds);
    }

    /// <summary>A loopback port nothing listens on: bound, then released, so connecting is refused.</summary>
    private static int ClosedPort()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }

    private static async Task<long> ScalarAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<string> StatusesAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        var parts = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            parts.Add($"{reader.GetString(0)}={reader.GetInt64(1)}");
        }
        return string.Join(' ', parts);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    /// <summary>One Kestrel receiver with a path per automation (<c>/hook/{index}</c>), each verified with its own secret.</summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly bool _verify;
        private WebhookVerifier?[] _verifiers;
        private volatile ConcurrentDictionary<string, long> _expected = new();
        private int _received;
        private long _last;
        private long _duplicates;
        private long _rejected;

        private Receiver(WebApplication app, int receivers, bool verify)
        {
            _app = app;
            _verify = verify;
            _verifiers = new WebhookVerifier?[receivers];
        }

        public string BaseUrl { get; private set; } = "";
        public int Received => Volatile.Read(ref _received);
        public long Duplicates => Interlocked.Read(ref _duplicates);
        public long Rejected => Interlocked.Read(ref _rejected);

        public static async Task<Receiver> StartAsync(int receivers, bool verify)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var receiver = new Receiver(app, receivers, verify);
            app.MapPost("/hook/{index:int}", receiver.HandleAsync);
            await app.StartAsync();
            receiver.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return receiver;
        }

        public void UseSecrets(string[] secrets) =>
            Volatile.Write(ref _verifiers, secrets.Select(s => (WebhookVerifier?)new WebhookVerifier(new WebhookSecret(s))).ToArray());

        /// <summary>Starts a measurement: receipts of these event ids count, others are only answered.</summary>
        public void Expect(ConcurrentDictionary<string, long> expected)
        {
            Volatile.Write(ref _received, 0);
            _expected = expected;
        }

        /// <summary>The timestamp of the receipt that made <paramref name="count"/>, or null on timeout.</summary>
        public async Task<long?> WaitForAsync(int count, TimeSpan timeout)
        {
            var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
            while (Received < count)
            {
                if (Stopwatch.GetTimestamp() > deadline)
                {
                    return null;
                }
                await Task.Delay(10);
            }
            return Interlocked.Read(ref _last);
        }

        private async Task HandleAsync(HttpContext context)
        {
            var index = int.Parse((string)context.Request.RouteValues["index"]!, System.Globalization.CultureInfo.InvariantCulture);
            var verifiers = Volatile.Read(ref _verifiers);
            if (!await DeliveryReceiver.ReadAndVerifyAsync(context, _verify, index < verifiers.Length ? verifiers[index] : null))
            {
                Interlocked.Increment(ref _rejected);
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }
            var eventId = context.Request.Headers[WebhookHeaders.EventId].ToString();
            if (_expected.TryRemove(eventId, out _))
            {
                Interlocked.Exchange(ref _last, Stopwatch.GetTimestamp());
                Interlocked.Increment(ref _received);
            }
            else if (!_expected.IsEmpty)
            {
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
