using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using SmartApi.Contracts;
using SmartApi.Server.Tests.Webhooks;
using SmartApi.Testing;
using SmartApi.Webhooks;
using static SmartApi.Server.Tests.Webhooks.WebhookTestKit;

namespace SmartApi.Server.Tests.Postgres;

/// <summary>
/// The circuit probe (ADR 041) on two server nodes sharing one PostgreSQL database and one fake clock: the
/// probe is taken in the database, so a dead receiver gets one request per interval from both nodes together,
/// and when it comes back every held delivery arrives once.
/// </summary>
public sealed class CircuitProbeTwoNodeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Two_nodes_send_one_probe_per_interval_to_a_dead_receiver_and_deliver_the_held_ones_once_when_it_is_back()
    {
        var schema = PostgresTestEnvironment.NewName("probe");
        var connectionString = await PostgresTestEnvironment.CreateSchemaAsync(schema);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var settings = new Dictionary<string, string?>
        {
            ["SmartApi:Storage:Provider"] = "postgres",
            ["SmartApi:Storage:ConnectionString"] = connectionString,
            ["SmartApi:Webhooks:EncryptionKey"] = SmartApiApplication.TestEncryptionKey,
        };
        // Retries within seconds, so the clock never jumps past the in-flight deliveries' leases (a lapsed
        // lease is sent again by the other node: at least once, which is not what this test is about).
        for (var i = 0; i < 10; i++)
        {
            settings[$"SmartApi:Webhooks:RetrySchedule:{i}"] = TimeSpan.FromSeconds(5 + i).ToString();
        }
        try
        {
            // One after the other: the second finds the schema migrated and the bootstrap key made.
            await using var nodeA = await RetryTests.StartAppAsync(time, settings: settings);
            await using var nodeB = await RetryTests.StartAppAsync(time, settings: settings);
            string[] scopes = ["events:read", "automations:read", "automations:write"];
            var (organizationId, clientA) = await nodeA.CreateTenantAsync(scopes);
            var clientB = nodeB.CreateClient(await nodeA.CreateKeyAsync(scopes, organizationId));

            await using var receiver = await WebhookReceiver.StartAsync();
            var healthy = false;
            var delivered = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
            receiver.Respond = (_, context) =>
            {
                if (!Volatile.Read(ref healthy))
                {
                    context.Response.StatusCode = 503;
                    return Task.CompletedTask;
                }
                delivered.AddOrUpdate(context.Request.Headers[WebhookHeaders.EventId].ToString(), 1, (_, n) => n + 1);
                context.Response.StatusCode = 200;
                return Task.CompletedTask;
            };
            var automation = await CreateAutomationAsync(clientA, receiver.Url, "\"automation.test\"",
                extra: ""","circuitBreaker":{"failureThreshold":3,"probeIntervalSeconds":10}""");

            var events = new List<string>();
            var deliveries = new List<string>();
            async Task<string> TestEventAsync(HttpClient client)
            {
                var test = await (await client.PostAsync($"/v1/automations/{automation.Id}/test", null, Ct)).ReadAsync(SmartApiJsonContext.Default.AutomationTestResponse);
                lock (events)
                {
                    events.Add(test.Event.Id);
                    deliveries.Add(Assert.Single(test.DeliveryIds));
                }
                return test.DeliveryIds[0];
            }

            // Three failures, from both nodes, open the circuit for both.
            foreach (var client in new[] { clientA, clientB, clientA })
            {
                await DeliveryWhenAsync(clientA, await TestEventAsync(client), d => d.AttemptCount == 1);
            }
            var circuit = Assert.Single((await (await clientB.GetAsync($"/v1/automations/{automation.Id}", Ct)).ReadAsync(SmartApiJsonContext.Default.AutomationResponse)).Actions).Circuit!;
            Assert.Equal(("open", 3), (circuit.State, circuit.FailureStreak));
            // Each node trusts its copy of a circuit for a second (of the shared clock): let both see it open.
            await AdvanceAsync(time, TimeSpan.FromSeconds(2));
            foreach (var client in new[] { clientA, clientB, clientA, clientB })
            {
                var held = await DeliveryWhenAsync(clientA, await TestEventAsync(client), d => d.HeldBy == "circuit_open");
                Assert.Equal(0, held.AttemptCount);
            }
            Assert.Equal(3, receiver.Count);

            // Each interval: the held deliveries and the failed ones' retries come due, and at the very tick the probe
            // is due each node gets a fresh delivery of its own, so both race for the probe. One request per interval.
            for (var interval = 1; interval <= 4; interval++)
            {
                var due = Assert.Single((await (await clientA.GetAsync($"/v1/automations/{automation.Id}", Ct)).ReadAsync(SmartApiJsonContext.Default.AutomationResponse)).Actions).Circuit!.NextProbeAt!.Value;
                await AdvanceAsync(time, due - time.GetUtcNow() - TimeSpan.FromSeconds(1));
                if (due > time.GetUtcNow())
                {
                    time.Advance(due - time.GetUtcNow());
                }
                await Task.WhenAll(TestEventAsync(clientA), TestEventAsync(clientB));
                await WaitForAsync(() => receiver.Count >= 3 + interval);
                await Task.Delay(500, Ct);
                Assert.Equal(3 + interval, receiver.Count);
            }

            // Back: the next probe succeeds, the circuit closes and everything held goes out, each event once.
            Volatile.Write(ref healthy, true);
            await AdvanceAsync(time, TimeSpan.FromSeconds(11));
            await WaitForAsync(() => !delivered.IsEmpty);
            circuit = Assert.Single((await (await clientB.GetAsync($"/v1/automations/{automation.Id}", Ct)).ReadAsync(SmartApiJsonContext.Default.AutomationResponse)).Actions).Circuit!;
            Assert.Equal(("closed", 0), (circuit.State, circuit.FailureStreak));
            // The failed attempts' own retries wait their schedule (at most 14 s).
            await AdvanceAsync(time, TimeSpan.FromSeconds(30));
            foreach (var id in deliveries)
            {
                var done = await DeliveryWhenAsync(clientB, id, d => d.Status == "succeeded");
                Assert.Null(done.HeldBy);
            }
            Assert.Equal(events.Order(StringComparer.Ordinal), delivered.Keys.Order(StringComparer.Ordinal));
            Assert.All(delivered, receipt => Assert.Equal(1, receipt.Value));
        }
        finally
        {
            await PostgresTestEnvironment.DropSchemaAsync(schema);
        }
    }

    /// <summary>Moves the shared clock on in steps, letting both nodes' dispatchers poll at each.</summary>
    private static async Task AdvanceAsync(FakeTimeProvider time, TimeSpan by)
    {
        for (var moved = TimeSpan.Zero; moved < by; moved += TimeSpan.FromSeconds(1))
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(80, Ct);
        }
        await Task.Delay(200, Ct);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 250 && !condition(); i++)
        {
            await Task.Delay(20, Ct);
        }
    }
}
