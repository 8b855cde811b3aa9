using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SmartApi.Contracts;
using SmartApi.Server.Tests.Webhooks;
using SmartApi.Webhooks;

namespace SmartApi.Server.Tests.Postgres;

/// <summary>
/// The database server goes away under load and comes back: two real server processes on a
/// PostgreSQL cluster of the test's own, a steady stream of API writes on both, a real receiver.
/// </summary>
public sealed class PostgresRestartTests
{
    private static readonly TimeSpan LoadBefore = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan LoadAfter = TimeSpan.FromSeconds(6);
    /// <summary>What "not hanging" means for a request while the database is away.</summary>
    private static readonly TimeSpan MaxOutageAnswer = TimeSpan.FromSeconds(5);
    private const int WritersPerNode = 3;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PostgreSQL_restarted_mid_load_answers_503_fast_meanwhile_and_both_nodes_deliver_every_acknowledged_event()
    {
        await using var cluster = await OwnPostgresCluster.StartAsync();
        var directories = new[] { Directory.CreateTempSubdirectory("smartapi-pgr-a-").FullName, Directory.CreateTempSubdirectory("smartapi-pgr-b-").FullName };
        var settings = new Dictionary<string, string>
        {
            ["SmartApi__Storage__Provider"] = "postgres",
            ["SmartApi__Storage__ConnectionString"] = cluster.ConnectionString,
            ["SmartApi__Webhooks__EncryptionKey"] = SmartApiApplication.TestEncryptionKey,
            ["SmartApi__Webhooks__AllowPrivateNetworks"] = "true",
            // Leases of 3 x 1 s + 5 s: an outcome the outage kept from being recorded is sent again within seconds.
            ["SmartApi__Webhooks__Timeout"] = "00:00:01",
            // The writers create devices in a closed loop with one key: on a fast host they outrun the 1,000/s per key.
            ["SmartApi__Limits__RequestsPerSecond"] = "100000",
            ["SmartApi__Limits__RequestBurst"] = "100000",
        };
        var clock = Stopwatch.StartNew();
        var received = new ConcurrentDictionary<string, TimeSpan>(StringComparer.Ordinal);
        var receipts = 0;
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = (_, context) =>
        {
            received.TryAdd(context.Request.Headers[WebhookHeaders.EventId].ToString(), clock.Elapsed);
            Interlocked.Increment(ref receipts);
            context.Response.StatusCode = 200;
            return Task.CompletedTask;
        };
        try
        {
            // Started one after the other: the first migrates, the second finds the schema done.
            await using var nodeA = await ServerProcess.StartAsync(directories[0], settings);
            await using var nodeB = await ServerProcess.StartAsync(directories[1], settings);
            using var clientA = nodeA.CreateAdminClient();
            using var clientB = nodeB.CreateAdminClient();
            clientA.Timeout = clientB.Timeout = TimeSpan.FromSeconds(15);
            await WebhookTestKit.CreateAutomationAsync(clientA, receiver.Url, "\"device.created\"");

            var attempts = new ConcurrentBag<Attempt>();
            using var stopLoad = new CancellationTokenSource();
            var load = new[] { ("A", clientA), ("B", clientB) }
                .SelectMany(node => Enumerable.Range(0, WritersPerNode).Select(w => WriteLoopAsync(node.Item1, w, node.Item2, clock, attempts, stopLoad.Token)))
                .ToList();

            await Task.Delay(LoadBefore, Ct);
            await cluster.HaltAsync();
            var haltedAt = clock.Elapsed;
            await Task.Delay(Outage, Ct);
            var resumingAt = clock.Elapsed;
            await cluster.ResumeAsync();
            var resumedAt = clock.Elapsed;
            await Task.Delay(LoadAfter, Ct);
            await stopLoad.CancelAsync();
            await Task.WhenAll(load);
            var loadEndedAt = clock.Elapsed;

            // Every acknowledged creation is in the log (read through node B; node A wrote half of them).
            var logged = await DeviceCreatedEventsAsync(clientB);
            var acknowledged = attempts.Where(a => a.Status == HttpStatusCode.Created).ToList();
            Assert.All(acknowledged, a => Assert.True(logged.ContainsKey(a.DeviceId!), $"device {a.DeviceId} was acknowledged by node {a.Node} but has no device.created event"));

            // ... and ends at the receiver.
            var deadline = clock.Elapsed + TimeSpan.FromSeconds(45);
            while (acknowledged.Any(a => !received.ContainsKey(logged[a.DeviceId!])))
            {
                Assert.True(clock.Elapsed < deadline,
                    $"{acknowledged.Count(a => !received.ContainsKey(logged[a.DeviceId!]))} of {acknowledged.Count} acknowledged events not delivered 45 s after the load");
                await Task.Delay(100, Ct);
            }

            var answers = attempts.OrderBy(a => a.StartedAt).ToList();
            var outage = answers.Where(a => a.StartedAt >= haltedAt && a.StartedAt + a.Duration <= resumingAt).ToList();
            var unavailable = answers.Where(a => a.Status == HttpStatusCode.ServiceUnavailable).ToList();
            var delays = acknowledged.Select(a => received[logged[a.DeviceId!]] - a.AnsweredAt).ToList();
            var report = $"PostgreSQL down {(resumedAt - haltedAt).TotalSeconds:N1} s (pg_ctl stop -m immediate at {haltedAt.TotalSeconds:N1} s, up again at {resumedAt.TotalSeconds:N1} s); " +
                $"{answers.Count} writes on 2 nodes, {acknowledged.Count} acknowledged (201), {unavailable.Count} answered 503 " +
                $"(slowest 503 {Max(unavailable.Select(a => a.Duration)).TotalMilliseconds:N0} ms, {outage.Count} answers wholly inside the outage); " +
                $"first 201 after the restart: A at +{FirstSuccessAfter(answers, "A", resumedAt)}, B at +{FirstSuccessAfter(answers, "B", resumedAt)}; " +
                $"{received.Count} events received ({receipts - received.Count} duplicates), all acknowledged ones delivered at {clock.Elapsed.TotalSeconds:N1} s " +
                $"(load ended at {loadEndedAt.TotalSeconds:N1} s); delay from acknowledgement to receipt: max {Max(delays).TotalSeconds:N1} s";
            TestContext.Current.TestOutputHelper?.WriteLine(report);
            TestContext.Current.SendDiagnosticMessage(report);

            // Nothing but 201 or 503: no 500, no hang (a client timeout is recorded as status 0).
            Assert.All(answers, a => Assert.True(a.Status is HttpStatusCode.Created or HttpStatusCode.ServiceUnavailable,
                $"node {a.Node} answered {(int)a.Status} at {a.StartedAt.TotalSeconds:N1} s after {a.Duration.TotalMilliseconds:N0} ms: {a.Body}"));
            // Every 503 is problem+json with its code and a Retry-After.
            Assert.All(unavailable, a => Assert.True(a.Problem && a.Code == "storage_unavailable" && a.RetryAfter is > 0 and <= 5,
                $"a 503 without its problem body or Retry-After: {a.Body} (Retry-After {a.RetryAfter})"));
            // While the database was away, both nodes refused writes, each answer within the bound.
            foreach (var node in new[] { "A", "B" })
            {
                var during = outage.Where(a => a.Node == node).ToList();
                Assert.True(during.Count >= WritersPerNode, $"node {node} answered only {during.Count} writes during the outage");
                Assert.All(during, a => Assert.Equal(HttpStatusCode.ServiceUnavailable, a.Status));
            }
            Assert.All(outage, a => Assert.True(a.Duration < MaxOutageAnswer, $"a write took {a.Duration.TotalSeconds:N1} s to answer during the outage"));
            // Both nodes recovered by themselves: the last seconds of load all succeeded.
            foreach (var node in new[] { "A", "B" })
            {
                var last = answers.Where(a => a.Node == node && a.StartedAt >= loadEndedAt - TimeSpan.FromSeconds(2)).ToList();
                Assert.NotEmpty(last);
                Assert.All(last, a => Assert.Equal(HttpStatusCode.Created, a.Status));
            }
        }
        finally
        {
            foreach (var directory in directories)
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private static async Task WriteLoopAsync(string node, int writer, HttpClient client, Stopwatch clock, ConcurrentBag<Attempt> attempts, CancellationToken stop)
    {
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var startedAt = clock.Elapsed;
            var request = new CreateDeviceRequest($"PGR-{node}{writer}-{i:00000}", "Device", "DT31", null);
            try
            {
                using var response = await client.PostAsJsonAsync("/v1/devices", request, SmartApiJsonContext.Default.CreateDeviceRequest, CancellationToken.None);
                var body = await response.Content.ReadAsStringAsync(CancellationToken.None);
                var answeredAt = clock.Elapsed;
                var json = body.StartsWith('{') ? JsonDocument.Parse(body).RootElement : default;
                attempts.Add(new Attempt(node, startedAt, answeredAt, response.StatusCode, body,
                    response.StatusCode == HttpStatusCode.Created ? json.GetProperty("id").GetString() : null,
                    response.Content.Headers.ContentType?.MediaType == "application/problem+json",
                    json.ValueKind == JsonValueKind.Object && json.TryGetProperty("code", out var code) ? code.GetString() : null,
                    response.Headers.RetryAfter?.Delta?.TotalSeconds));
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                attempts.Add(new Attempt(node, startedAt, clock.Elapsed, 0, ex.Message, null, false, null, null));
            }
        }
    }

    /// <summary>device id to device.created event id, from the whole log.</summary>
    private static async Task<Dictionary<string, string>> DeviceCreatedEventsAsync(HttpClient client)
    {
        var events = new Dictionary<string, string>(StringComparer.Ordinal);
        string? after = null;
        while (true)
        {
            var page = await (await client.GetAsync("/v1/events?types=device.created&limit=500" + (after is null ? "" : "&after=" + after), Ct))
                .ReadAsync(SmartApiJsonContext.Default.PageEventResponse);
            foreach (var e in page.Data)
            {
                events[e.Data.GetProperty("deviceId").GetString()!] = e.Id;
            }
            if (!page.HasMore)
            {
                return events;
            }
            after = page.NextCursor;
        }
    }

    private static string FirstSuccessAfter(List<Attempt> answers, string node, TimeSpan resumedAt) =>
        answers.FirstOrDefault(a => a.Node == node && a.Status == HttpStatusCode.Created && a.AnsweredAt >= resumedAt) is { } first
            ? $"{(first.AnsweredAt - resumedAt).TotalSeconds:N1} s"
            : "never";

    private static TimeSpan Max(IEnumerable<TimeSpan> values) => values.DefaultIfEmpty().Max();

    private sealed record Attempt(string Node, TimeSpan StartedAt, TimeSpan AnsweredAt, HttpStatusCode Status, string Body, string? DeviceId,
        bool Problem, string? Code, double? RetryAfter)
    {
        public TimeSpan Duration => AnsweredAt - StartedAt;
    }
}
