using SmartApi.Webhooks.Events;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using SmartApi.Server.Events;
using SmartApi.Server.Webhooks.Delivery;
using SmartApi.Storage;
using SmartApi.Webhooks;
using SQLitePCL;

namespace SmartApi.Benchmarks;

/// <summary>
/// <c>deliveries --floor</c>: what any durable design could do at most on this machine. (1) HTTP: the
/// same signed POSTs as the server's (body, headers, a fresh signature each) from an HttpClient set
/// up as the server's, 32 at a time as one host's lane allows, to the same verifying receiver; no
/// server, no database. (2) SQLite: the rows of an append (an event and its delivery, 50 per
/// transaction) and of the outcomes (the delivery updated and its attempt inserted, 256 per
/// transaction) with statements prepared once and bound by position on the SQLite handle, on one
/// connection, with the rows made beforehand: no store code and no HTTP.
/// </summary>
internal static class DeliveryFloor
{
    private const int Lane = 32;
    private const int OutcomesPerTransaction = 256;

    // Time-ordered, as the server's: random keys would dirty a leaf page of each id index per row.
    private static readonly IdGenerator Ids = new(TimeProvider.System);

    public static async Task<int> RunAsync(DeliveryLoadOptions options)
    {
        Console.WriteLine($"deliveries --floor: {options.Events:N0} deliveries x {options.Runs} runs after {options.Warmup:N0} uncounted; receiver verifies: {options.Verify}; " +
            $"receiver in a child process: {options.ReceiverProcess}; {Environment.ProcessorCount} cores, server GC {System.Runtime.GCSettings.IsServerGC}, load average {AppendLoad.LoadAverage()}");
        await using (var receiver = await IDeliveryReceiver.StartAsync(options.Verify, options.ReceiverProcess))
        {
            var secret = WebhookSecret.GenerateString();
            await receiver.UseSecretAsync(secret);
            using var client = new HttpClient(new SocketsHttpHandler
            {
                // As WebhooksRegistration sets it up (less the SSRF check, which runs once per connection).
                AllowAutoRedirect = false,
                UseCookies = false,
                UseProxy = false,
                AutomaticDecompression = System.Net.DecompressionMethods.None,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                MaxConnectionsPerServer = Lane,
                MaxResponseDrainSize = WebhookSender.MaxResponseDrainBytes,
            }) { Timeout = Timeout.InfiniteTimeSpan };
            var signer = new WebhookSigner(new WebhookSecret(secret));
            await HttpAsync(client, signer, receiver, options.Warmup, print: false);
            var rates = new List<double>();
            for (var run = 0; run < options.Runs; run++)
            {
                rates.Add(await HttpAsync(client, signer, receiver, options.Events, print: true));
            }
            Console.WriteLine($"HTTP floor median: {Median(rates):N0} signed deliveries/s; receiver: {receiver.Duplicates} duplicates, {receiver.Rejected} signature failures; load average {AppendLoad.LoadAverage()}");
            if (receiver.Rejected > 0)
            {
                return 1;
            }
        }

        var directory = Directory.CreateTempSubdirectory("smartapi-bench-floor-").FullName;
        try
        {
            await using var connection = new SqliteConnection($"Data Source={Path.Combine(directory, "floor.db")};Pooling=False");
            await connection.OpenAsync();
            await ExecuteAsync(connection, Schema);
            var sqlite = new SqliteFloor(connection);
            await sqlite.RunAsync(options.Warmup, options.PerTransaction, print: false);
            var rates = new List<double>();
            for (var run = 0; run < options.Runs; run++)
            {
                rates.Add(await sqlite.RunAsync(options.Events, options.PerTransaction, print: true));
            }
            Console.WriteLine($"SQLite floor median: {Median(rates):N0} deliveries/s (append + outcome commits, no HTTP); load average {AppendLoad.LoadAverage()}");
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
        return 0;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    /// <summary>A device.updated envelope as the server sends it, with its own event id.</summary>
    private static (string EventId, byte[] Body) Envelope(int i)
    {
        var eventId = Ids.New("evt");
        var deviceId = "dev_" + (i % 100).ToString("D22", CultureInfo.InvariantCulture);
        var data = System.Text.Json.JsonSerializer.Serialize(new DeviceChangedData(deviceId, i, "DT31-BENCH", $"Bench {i}", NoChanges.Value),
            EventDataJson.Writer<DeviceChangedData>.TypeInfo);
        var stored = new StoredEvent(i, eventId, "org_0123456789abcdefghij", WebhookEventTypes.DeviceUpdated, deviceId, DateTimeOffset.UtcNow, data);
        return (eventId, EventEnvelope.Serialize(stored));
    }

    private static async Task<double> HttpAsync(HttpClient client, WebhookSigner signer, IDeliveryReceiver receiver, int count, bool print)
    {
        var pending = new ConcurrentDictionary<string, long>();
        await receiver.ExpectAsync(pending);
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var receiverCpuBefore = receiver.ProcessorTime;
        var uri = new Uri(receiver.Url);
        var next = -1;
        var start = Stopwatch.GetTimestamp();
        var senders = Enumerable.Range(0, Lane).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var (eventId, body) = Envelope(i);
                pending[eventId] = Stopwatch.GetTimestamp();
                using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
                var headers = request.Headers;
                headers.TryAddWithoutValidation(WebhookHeaders.Signature, signer.CreateSignatureHeader(body, signer.GetTimestamp()));
                headers.TryAddWithoutValidation(WebhookHeaders.EventId, eventId);
                headers.TryAddWithoutValidation(WebhookHeaders.EventType, WebhookEventTypes.DeviceUpdated);
                headers.TryAddWithoutValidation(WebhookHeaders.DeliveryId, Ids.New("dlv"));
                headers.TryAddWithoutValidation(WebhookHeaders.DeliveryAttempt, "1");
                headers.TryAddWithoutValidation("User-Agent", WebhookSender.UserAgent);
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                await WebhookSender.ReadStartAsync(response, CancellationToken.None);
                response.EnsureSuccessStatusCode();
            }
        })).ToArray();
        await Task.WhenAll(senders);
        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var received = await receiver.WaitForAsync(count, TimeSpan.FromSeconds(60));
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuBefore).TotalMicroseconds / count;
        var receiverCpu = receiver.ProcessorTime - receiverCpuBefore is { } r ? $"; receiver process {r.TotalMicroseconds / count:N0} µs per delivery" : "";
        if (received.Count < count)
        {
            throw new InvalidOperationException($"Only {received.Count} of {count} POSTs were recorded by the receiver.");
        }
        if (print)
        {
            Console.WriteLine($"HTTP floor: {count:N0} signed POSTs in {elapsed:N2} s = {count / elapsed:N0}/s; process CPU {cpu:N0} µs per delivery " +
                $"({(receiverCpu.Length == 0 ? "sender + receiver" : "sender")}){receiverCpu}");
        }
        return count / elapsed;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    // The columns and indexes the append and the outcome touch, as the server's schema has them; the server's
    // pragmas (its checkpoints run apart from the commits, hence wal_autocheckpoint = 0 and one after each run).
    private const string Schema = """
        PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0; PRAGMA cache_size = -65536;
        CREATE TABLE events (position INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, organization_id TEXT NOT NULL, type TEXT NOT NULL,
            device_id TEXT, created_at INTEGER NOT NULL, data TEXT NOT NULL);
        CREATE INDEX events_device ON events (organization_id, device_id, position);
        CREATE TABLE deliveries (id TEXT PRIMARY KEY, organization_id TEXT NOT NULL, automation_id TEXT NOT NULL, webhook_id TEXT NOT NULL,
            event_id TEXT NOT NULL, event_position INTEGER NOT NULL, event_type TEXT NOT NULL, device_id TEXT, ordering_key TEXT,
            status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL, lease_owner TEXT, lease_expires_at INTEGER,
            last_status_code INTEGER, last_error TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
        CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
        CREATE INDEX deliveries_event ON deliveries (event_id);
        CREATE TABLE delivery_attempts (id INTEGER PRIMARY KEY, delivery_id TEXT NOT NULL, started_at INTEGER NOT NULL, status_code INTEGER,
            duration_ms INTEGER NOT NULL, error TEXT, response_body TEXT, request_headers TEXT);
        CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id);
        """;

    /// <summary>Statements on the SQLite handle, bound by position (as the server's writer runs its hot statements).</summary>
    private sealed class SqliteFloor(SqliteConnection connection)
    {
        private int _next;

        public async Task<double> RunAsync(int count, int perTransaction, bool print)
        {
            await Task.Yield();
            var db = connection.Handle!;
            // The rows are made before the clock starts: this measures SQLite alone.
            var rows = Enumerable.Range(_next + 1, count).Select(i =>
            {
                var (eventId, body) = Envelope(i);
                return (Position: (long)i, EventId: eventId, DeliveryId: Ids.New("dlv"), Device: "dev_" + (i % 100), Data: System.Text.Encoding.UTF8.GetString(body));
            }).ToArray();
            var first = _next + 1;
            _next += count;
            using var process = Process.GetCurrentProcess();
            var cpuBefore = process.TotalProcessorTime;
            var start = Stopwatch.GetTimestamp();
            var insertEvent = Prepare(db, "INSERT INTO events (position, id, organization_id, type, device_id, created_at, data) VALUES (?1, ?2, 'org_0123456789abcdefghij', 'device.updated', ?3, ?4, ?5)");
            var insertDelivery = Prepare(db, "INSERT INTO deliveries (id, organization_id, automation_id, webhook_id, event_id, event_position, event_type, device_id, ordering_key, " +
                "status, next_attempt_at, lease_owner, lease_expires_at, created_at, updated_at) VALUES (?1, 'org_0123456789abcdefghij', 'aut_bench', 'whk_bench', ?2, ?3, 'device.updated', ?4, NULL, 'pending', ?5, 'bench', ?5, ?5, ?5)");
            var update = Prepare(db, "UPDATE deliveries SET status = 'succeeded', attempts = attempts + 1, lease_owner = NULL, lease_expires_at = NULL, last_status_code = 200, updated_at = ?1 WHERE id = ?2");
            var attempt = Prepare(db, "INSERT INTO delivery_attempts (delivery_id, started_at, status_code, duration_ms, request_headers) VALUES (?1, ?2, 200, 1, ?3)");
            try
            {
                for (var done = 0; done < count; done += perTransaction)
                {
                    Exec(db, "BEGIN IMMEDIATE");
                    foreach (var row in rows.AsSpan(done, Math.Min(perTransaction, count - done)))
                    {
                        var at = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                        raw.sqlite3_bind_int64(insertEvent, 1, row.Position);
                        raw.sqlite3_bind_text(insertEvent, 2, row.EventId);
                        raw.sqlite3_bind_text(insertEvent, 3, row.Device);
                        raw.sqlite3_bind_int64(insertEvent, 4, at);
                        raw.sqlite3_bind_text(insertEvent, 5, row.Data);
                        Step(db, insertEvent);
                        raw.sqlite3_bind_text(insertDelivery, 1, row.DeliveryId);
                        raw.sqlite3_bind_text(insertDelivery, 2, row.EventId);
                        raw.sqlite3_bind_int64(insertDelivery, 3, row.Position);
                        raw.sqlite3_bind_text(insertDelivery, 4, row.Device);
                        raw.sqlite3_bind_int64(insertDelivery, 5, at);
                        Step(db, insertDelivery);
                    }
                    Exec(db, "COMMIT");
                }
                var appended = Stopwatch.GetElapsedTime(start).TotalSeconds;
                for (var done = 0; done < count; done += OutcomesPerTransaction)
                {
                    Exec(db, "BEGIN IMMEDIATE");
                    foreach (var row in rows.AsSpan(done, Math.Min(OutcomesPerTransaction, count - done)))
                    {
                        var at = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                        raw.sqlite3_bind_int64(update, 1, at);
                        raw.sqlite3_bind_text(update, 2, row.DeliveryId);
                        Step(db, update);
                        raw.sqlite3_bind_text(attempt, 1, row.DeliveryId);
                        raw.sqlite3_bind_int64(attempt, 2, at);
                        raw.sqlite3_bind_text(attempt, 3, "Content-Type: application/json; charset=utf-8\nX-Signature: t=1,v1=...\nUser-Agent: SmartApi-Webhooks/1.0.0");
                        Step(db, attempt);
                    }
                    Exec(db, "COMMIT");
                }
                var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
                // The server checkpoints apart from its commits: counted in the CPU, not in the time.
                // Without it the log grows from run to run and every page read searches a longer one.
                Exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
                process.Refresh();
                var cpu = (process.TotalProcessorTime - cpuBefore).TotalMicroseconds / count;
                if (print)
                {
                    Console.WriteLine($"SQLite floor: {count:N0} events with their deliveries appended ({perTransaction} per transaction) in {appended:N2} s, " +
                        $"outcomes recorded ({OutcomesPerTransaction} per transaction) in {elapsed - appended:N2} s: {count / elapsed:N0} deliveries/s; process CPU {cpu:N1} µs per delivery (rows {first}-{_next})");
                }
                return count / elapsed;
            }
            finally
            {
                foreach (var statement in new[] { insertEvent, insertDelivery, update, attempt })
                {
                    raw.sqlite3_finalize(statement);
                }
            }
        }

        private static sqlite3_stmt Prepare(sqlite3 db, string sql)
        {
            Check(db, raw.sqlite3_prepare_v2(db, sql, out var statement));
            return statement;
        }

        private static void Exec(sqlite3 db, string sql) => Check(db, raw.sqlite3_exec(db, sql));

        private static void Step(sqlite3 db, sqlite3_stmt statement)
        {
            var rc = raw.sqlite3_step(statement);
            raw.sqlite3_reset(statement);
            if (rc != raw.SQLITE_DONE)
            {
                Check(db, rc);
            }
        }

        private static void Check(sqlite3 db, int rc)
        {
            if (rc is not (raw.SQLITE_OK or raw.SQLITE_DONE))
            {
                throw new InvalidOperationException($"SQLite {rc}: {raw.sqlite3_errmsg(db).utf8_to_string()}");
            }
        }
    }
}
