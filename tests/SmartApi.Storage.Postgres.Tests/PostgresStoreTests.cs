using Dapper;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using SmartApi.Testing;

namespace SmartApi.Storage.Postgres.Tests;

/// <summary>What only the PostgreSQL provider has: the migration lock, partitions, several nodes on one database.</summary>
public sealed class PostgresStoreTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(T0);
    private readonly PostgresTestSchema _schema = new();
    private readonly List<PostgresSmartApiStore> _stores = [];
    private string? _database;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }
        await _schema.DisposeAsync();
        if (_database is not null)
        {
            await PostgresTestEnvironment.DropDatabaseAsync(_database);
        }
    }

    [Fact]
    public async Task MigrateAsync_FourNodesStartingTogetherOnAFreshDatabase_ApplyEachScriptOnce()
    {
        var database = PostgresTestEnvironment.NewName("smartapi_race");
        var connectionString = await PostgresTestEnvironment.CreateDatabaseAsync(database);
        _database = database;
        var nodes = Enumerable.Range(0, 4).Select(_ => Track(new PostgresSmartApiStore(new PostgresStorageOptions { ConnectionString = connectionString }, _time))).ToList();

        // Without the advisory lock two of them run 0001 at once and fail on the duplicate tables.
        await Task.WhenAll(nodes.Select(n => Task.Run(() => n.MigrateAsync(Token), Token)));

        await using var connection = new NpgsqlConnection(connectionString);
        var applied = (await connection.QueryAsync<long>("SELECT version FROM schema_migrations ORDER BY version")).ToList();
        Assert.Equal(Migrator.LoadScripts().Select(s => s.Version), applied);
        var organization = new Organization("org_1", "Acme", T0);
        await nodes[3].WriteAsync(async tx => { await tx.InsertOrganizationAsync(organization); return true; }, Token);
        Assert.Equal(organization, await nodes[0].GetOrganizationAsync("org_1", Token));
    }

    [Fact]
    public async Task MigrateAsync_CreatesDailyPartitionsAroundToday_AndSamplesLandInTheirDay()
    {
        var store = Track(await _schema.OpenAsync(_time, Token));

        await store.WriteAsync(async tx =>
        {
            await tx.InsertMeasurementsAsync([Row(T0), Row(T0.AddDays(3)), Row(T0.AddDays(60))]);
            return true;
        }, Token);

        await using var connection = new NpgsqlConnection(_schema.ConnectionString);
        var partitions = (await Partitions.ListAsync(connection)).Select(p => p.Name).ToList();
        Assert.Equal(Enumerable.Range(-1, 9).Select(d => "measurements_p" + T0.AddDays(d).ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture)), partitions);
        Assert.Equal(
            ["measurements_p20250301", "measurements_p20250304", "measurements_default"],
            await connection.QueryAsync<string>("SELECT tableoid::regclass::text FROM measurements ORDER BY ts"));
    }

    [Fact]
    public async Task PruneMeasurements_DropsOldDays_CreatesNewOnes_AndMovesSamplesOutOfTheDefaultPartition()
    {
        var store = Track(await _schema.OpenAsync(_time, Token));
        await store.WriteAsync(async tx =>
        {
            await tx.InsertMeasurementsAsync([Row(T0.AddDays(-1)), Row(T0), Row(T0.AddDays(10))]);
            return true;
        }, Token);

        _time.Advance(TimeSpan.FromDays(5));
        await store.PruneMeasurementsAsync(T0.AddHours(1), Token);

        await using var connection = new NpgsqlConnection(_schema.ConnectionString);
        var partitions = (await Partitions.ListAsync(connection)).Select(p => p.Name).ToList();
        Assert.DoesNotContain("measurements_p20250228", partitions);
        Assert.Contains("measurements_p20250301", partitions);
        Assert.Contains("measurements_p20250313", partitions);
        // The sample 10 days ahead waited in the default partition until its day was created.
        Assert.Equal(
            ["measurements_p20250311"],
            await connection.QueryAsync<string>("SELECT tableoid::regclass::text FROM measurements ORDER BY ts"));
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM measurements_default"));
    }

    [Fact]
    public async Task ListEvents_TwoNodesWithManyWritersHoldingTheirTransactionsOpen_ReaderNeverSkipsOrRepeats()
    {
        const int WritersPerNode = 8, PerWriter = 60;
        var first = Track(await _schema.OpenAsync(_time, Token));
        var second = Track(new PostgresSmartApiStore(new PostgresStorageOptions { ConnectionString = _schema.ConnectionString }, _time));
        var ids = new IdGenerator(_time);
        var organization = new Organization(ids.New("org"), "Acme", T0);
        await first.WriteAsync(async tx => { await tx.InsertOrganizationAsync(organization); return true; }, Token);

        // Each unit takes a little while besides its append, so transactions overlap and commits finish
        // in another order than they started. A provider numbering events when they are inserted (a sequence) would let
        // the reader see a later position before an earlier one commits, and page past it for good.
        var writers = Task.WhenAll(new[] { first, second }.SelectMany(node => Enumerable.Range(0, WritersPerNode).Select(_ => Task.Run(async () =>
        {
            var written = new List<string>(PerWriter);
            for (var i = 0; i < PerWriter; i++)
            {
                var appended = await node.AppendEventAsync(new NewEvent(ids.New("evt"), organization.Id, "device.online", null, T0, "{}"),
                    async _ => await Task.Delay(Random.Shared.Next(0, 3), Token), Token);
                written.Add(appended.Id);
            }
            return written;
        }, Token))));

        var read = new List<StoredEvent>();
        string? cursor = null;
        while (true)
        {
            var writersDone = writers.IsCompleted;
            var page = await (read.Count % 2 == 0 ? first : second).ListEventsAsync(organization.Id, new EventFilter(), new PageRequest(cursor, 25), Token);
            read.AddRange(page.Items);
            cursor = page.Items.Count > 0 ? page.Items[^1].Id : cursor;
            if (writersDone && !page.HasMore)
            {
                break;
            }
        }

        var expected = (await writers).SelectMany(w => w).ToHashSet();
        Assert.Equal(read.Count, read.Select(e => e.Id).Distinct().Count());
        Assert.True(expected.SetEquals(read.Select(e => e.Id)));
        Assert.Equal(Enumerable.Range(1, expected.Count).Select(i => (long)i), read.Select(e => e.Position));
    }

    [Fact]
    public async Task AppendEvent_MoreMatchingWebhooksThanIdsCarriedByTheAppend_QueuesOneDeliveryForEach()
    {
        var store = Track(await _schema.OpenAsync(_time, Token));
        var ids = new IdGenerator(_time);
        var organization = new Organization(ids.New("org"), "Acme", T0);
        var automations = Enumerable.Range(0, 7).Select(i => new Automation(ids.New("aut"), organization.Id, "a" + i, true, "{}", T0, T0)).ToList();
        await store.WriteAsync(async tx =>
        {
            await tx.InsertOrganizationAsync(organization);
            foreach (var automation in automations)
            {
                await tx.SaveAutomationAsync(automation, [new WebhookDefinition(0, "https://example.com/" + automation.Name, "{}", false, false)], [new Subscription("*", null)]);
            }
            return true;
        }, Token);

        var appended = await store.AppendEventAsync(new NewEvent(ids.New("evt"), organization.Id, "device.online", null, T0, "{}"), cancellationToken: Token);

        var deliveries = (await store.ListDeliveriesAsync(organization.Id, new DeliveryFilter(EventId: appended.Id), new PageRequest(null, 100), Token)).Items;
        Assert.Equal(automations.Select(a => a.Id).Order(), deliveries.Select(d => d.AutomationId).Order());
        Assert.Equal(7, deliveries.Select(d => d.Id).Distinct().Count());
    }

    [Fact]
    public async Task FindDeviceIds_HoldsOffADeleteOnAnotherNodeUntilCommit_SoADeviceClaimedMeanwhileLosesItsClaimWithIt()
    {
        var first = Track(await _schema.OpenAsync(_time, Token));
        var deleter = "deleter-" + Guid.NewGuid().ToString("N");
        var second = Track(new PostgresSmartApiStore(
            new PostgresStorageOptions { ConnectionString = new NpgsqlConnectionStringBuilder(_schema.ConnectionString) { ApplicationName = deleter }.ConnectionString }, _time));
        var ids = new IdGenerator(_time);
        var organization = new Organization(ids.New("org"), "Acme", T0);
        var device = new Device(ids.New("dev"), organization.Id, "SN-1", "Kettle", null, new Dictionary<string, string>(), "off", [1], false, null, "off", null, T0, T0);
        var tariff = new Tariff(ids.New("trf"), organization.Id, "T", "EUR", "{}", ["device:" + device.Id], 1, T0, T0);
        await first.WriteAsync(async tx => { await tx.InsertOrganizationAsync(organization); await tx.InsertDeviceAsync(device); return true; }, Token);
        var read = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var write = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // A tariff write on the first node checks its device in its unit, then claims it.
        var claim = first.WriteAsync(async tx =>
        {
            var found = await tx.FindDeviceIdsAsync(organization.Id, [device.Id]);
            read.SetResult();
            await write.Task;
            await tx.InsertTariffAsync(tariff);
            return found.Count;
        }, Token);
        await read.Task;
        var delete = second.WriteAsync(tx => tx.DeleteDeviceAsync(organization.Id, device.Id), Token);
        // Unlocked, the delete commits now (and the claim below outlives its device); locked, it waits on the row.
        await Task.WhenAny(delete, WaitForLockAsync(deleter));
        write.SetResult();

        Assert.Equal(1, await claim);
        Assert.True(await delete);
        Assert.Empty((await first.GetTariffAsync(organization.Id, tariff.Id, Token))!.Targets);
    }

    /// <summary>Returns once a session named <paramref name="applicationName"/> waits for a lock.</summary>
    private async Task WaitForLockAsync(string applicationName)
    {
        await using var connection = new NpgsqlConnection(_schema.ConnectionString);
        await connection.OpenAsync(Token);
        const string Waiting = "SELECT count(*) FROM pg_stat_activity WHERE application_name = @name AND wait_event_type = 'Lock'";
        while (await connection.ExecuteScalarAsync<long>(Waiting, new { name = applicationName }) == 0)
        {
            await Task.Delay(10, Token);
        }
    }

    private PostgresSmartApiStore Track(PostgresSmartApiStore store)
    {
        _stores.Add(store);
        return store;
    }

    private static MeasurementRow Row(DateTimeOffset ts) => new("dev_1", new Measurement(ts, 1, null, null, null, 0), 0);
}
