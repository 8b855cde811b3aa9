using System.Collections.Concurrent;
using System.Diagnostics;
using Dapper;
using Npgsql;
using SmartApi.Server.Tests.Webhooks;
using SmartApi.Storage;
using SmartApi.Storage.Postgres;
using SmartApi.Testing;
using SmartApi.Webhooks;

namespace SmartApi.Server.Tests.Postgres;

/// <summary>Two real server processes sharing one PostgreSQL database and a real receiver.</summary>
public sealed class MultiNodeTests
{
    private const int Events = 10_000;

    [Fact]
    public async Task Two_nodes_deliver_every_event_when_one_is_killed_halfway_and_duplicate_only_what_was_in_flight()
    {
        var schema = PostgresTestEnvironment.NewName("multi");
        var connectionString = await PostgresTestEnvironment.CreateSchemaAsync(schema);
        var directories = new[] { Directory.CreateTempSubdirectory("smartapi-node-a-").FullName, Directory.CreateTempSubdirectory("smartapi-node-b-").FullName };
        var settings = new Dictionary<string, string>
        {
            ["SmartApi__Storage__Provider"] = "postgres",
            ["SmartApi__Storage__ConnectionString"] = connectionString,
            ["SmartApi__Webhooks__EncryptionKey"] = SmartApiApplication.TestEncryptionKey,
            ["SmartApi__Webhooks__AllowPrivateNetworks"] = "true",
            // Leases of 3 x 3 s + 5 s: the dead node's deliveries are claimed again within seconds.
            ["SmartApi__Webhooks__Timeout"] = "00:00:03",
        };
        var clock = Stopwatch.StartNew();
        var received = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var halfway = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = async (_, context) =>
        {
            // A receiver that takes a few milliseconds: the nodes then hold many deliveries in
            // flight, so the kill lands in the middle of sends and not between batches.
            await Task.Delay(10);
            received.AddOrUpdate(context.Request.Headers[WebhookHeaders.EventId].ToString(), 1, (_, n) => n + 1);
            if (received.Count >= Events / 2)
            {
                halfway.TrySetResult();
            }
            context.Response.StatusCode = 200;
        };
        var store = new PostgresSmartApiStore(new PostgresStorageOptions { ConnectionString = connectionString }, TimeProvider.System);
        try
        {
            // Started together: the advisory lock serializes their migrations.
            string organizationId, automationId;
            await using (var first = await ServerProcess.StartAsync(directories[0], settings))
            {
                using var admin = first.CreateAdminClient();
                var automation = await WebhookTestKit.CreateAutomationAsync(admin, receiver.Url);
                (organizationId, automationId) = (automation.OrganizationId, automation.Id);
            }

            // The backlog is written while no node runs (as other nodes' API calls would), 100 events
            // per transaction, so both nodes then deliver flat out and the kill lands mid-sending.
            var ids = new IdGenerator(TimeProvider.System);
            var appended = new HashSet<string>(StringComparer.Ordinal);
            for (var batch = 0; batch < Events / 100; batch++)
            {
                var events = Enumerable.Range(0, 100).Select(_ => new NewEvent(
                    ids.New("evt"), organizationId, "automation.failed", null, DateTimeOffset.UtcNow,
                    $$"""{"automationId":"{{automationId}}","reason":"multi-node test"}""")).ToList();
                await store.WriteAsync(async tx =>
                {
                    foreach (var e in events)
                    {
                        await tx.AppendEventAsync(e);
                    }
                    return true;
                }, TestContext.Current.CancellationToken);
                appended.UnionWith(events.Select(e => e.Id));
            }
            var appendedAt = clock.Elapsed;

            var starting = directories.Select(d => ServerProcess.StartAsync(d, settings)).ToList();
            await using var nodeA = await starting[0];
            await using var nodeB = await starting[1];
            var started = clock.Elapsed;

            await halfway.Task.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
            await nodeA.KillAsync();
            // What node A had claimed and not recorded when it died: in flight. Only these may come twice.
            await using var connection = new NpgsqlConnection(connectionString);
            var inFlight = (await connection.QueryAsync<string>(
                "SELECT event_id FROM deliveries WHERE status = 'pending' AND lease_owner LIKE @owner",
                new { owner = $"%:{nodeA.ProcessId}:%" })).ToHashSet(StringComparer.Ordinal);
            var receivedAtKill = received.Count;
            var killedAt = clock.Elapsed;

            var deadline = DateTime.UtcNow.AddSeconds(60);
            long pending;
            while ((pending = await store.CountPendingDeliveriesAsync(TestContext.Current.CancellationToken)) > 0 || received.Count < Events)
            {
                Assert.True(DateTime.UtcNow < deadline, $"{received.Count} of {Events} events delivered, {pending} deliveries pending after 60 s");
                await Task.Delay(100, TestContext.Current.CancellationToken);
            }

            var duplicated = received.Where(r => r.Value > 1).Select(r => r.Key).ToList();
            var report = $"{Events:N0} events on 2 nodes; node A killed (SIGKILL) at {receivedAtKill:N0} received with {inFlight.Count} deliveries in flight; " +
                $"{duplicated.Count} delivered twice ({received.Values.Sum() - received.Count} extra receipts); " +
                $"all appended at {appendedAt.TotalSeconds:N1} s, nodes ready at {started.TotalSeconds:N1} s, kill at {killedAt.TotalSeconds:N1} s, all delivered at {clock.Elapsed.TotalSeconds:N1} s";
            TestContext.Current.TestOutputHelper?.WriteLine(report);
            TestContext.Current.SendDiagnosticMessage(report);
            Assert.Equal(Events, appended.Count);
            Assert.True(appended.SetEquals(received.Keys), "every event delivered, and nothing else");
            Assert.All(duplicated, id => Assert.Contains(id, inFlight));
            Assert.All(received.Values, n => Assert.InRange(n, 1, 2));
        }
        finally
        {
            await store.DisposeAsync();
            await PostgresTestEnvironment.DropSchemaAsync(schema);
            foreach (var directory in directories)
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }
}
