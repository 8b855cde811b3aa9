using Dapper;
using Microsoft.Data.Sqlite;

namespace SmartApi.Storage.Sqlite.Tests;

/// <summary>What only the SQLite provider promises: migrations on a file, and data that outlives the process.</summary>
public sealed class SqliteStoreTests : SqliteFileTest
{
    [Fact]
    public async Task MigrateAsync_TwiceOnOneStore_AppliesEachScriptOnce()
    {
        await using var store = await Database.OpenAsync(Token);

        await store.MigrateAsync(Token);
        var organization = await InsertOrganizationAsync(store);

        Assert.Equal(Migrator.LoadScripts().Select(s => s.Version), await AppliedVersionsAsync());
        Assert.Equal(organization, await store.GetOrganizationAsync(organization.Id, Token));
    }

    [Fact]
    public async Task MigrateAsync_SecondStoreOnSameFile_AppliesNothingAndSeesData()
    {
        await using var first = await Database.OpenAsync(Token);
        var organization = await InsertOrganizationAsync(first);

        await using var second = await Database.OpenAsync(Token);

        Assert.Equal(Migrator.LoadScripts().Select(s => s.Version), await AppliedVersionsAsync());
        Assert.Equal(organization, await second.GetOrganizationAsync(organization.Id, Token));
        var another = await InsertOrganizationAsync(second);
        Assert.Equal(another, await first.GetOrganizationAsync(another.Id, Token));
    }

    [Fact]
    public async Task MigrateAsync_StoresConcurrentlyOnNewFile_AppliesEachScriptOnce()
    {
        var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Database.OpenAsync(Token)));
        foreach (var store in stores)
        {
            await store.DisposeAsync();
        }

        Assert.Equal(Migrator.LoadScripts().Select(s => s.Version), await AppliedVersionsAsync());
    }

    [Fact]
    public async Task DisposeAsync_ThenReopen_KeepsCommittedData()
    {
        Organization organization;
        Device device;
        StoredEvent appended;
        await using (var store = await Database.OpenAsync(Token))
        {
            organization = await InsertOrganizationAsync(store);
            device = new Device(Ids.New("dev"), organization.Id, "SN-1", "Kettle", null, new Dictionary<string, string> { ["room"] = "kitchen" },
                "on", [1, 2], false, null, "unknown", null, Now, Now);
            appended = await store.AppendEventAsync(new NewEvent(Ids.New("evt"), organization.Id, "device.created", device.Id, Now, "{}"), async tx =>
            {
                await tx.InsertDeviceAsync(device);
                await tx.InsertMeasurementsAsync([new MeasurementRow(device.Id, new Measurement(Now, 5, null, null, null, 1), 1)]);
            }, Token);
        }

        await using var reopened = await Database.OpenAsync(Token);

        Assert.Equal(organization, await reopened.GetOrganizationAsync(organization.Id, Token));
        Assert.Equal(device.Id, (await reopened.FindDeviceBySerialAsync(organization.Id, "SN-1", Token))?.Id);
        Assert.Equal(appended, await reopened.GetEventAsync(organization.Id, appended.Id, Token));
        Assert.Single((await reopened.ListMeasurementsAsync(device.Id, Now, Now.AddHours(1), new PageRequest(null, 10), Token)).Items);
        // The device's sequence survives too: the next event is number 2.
        var next = await reopened.AppendEventAsync(new NewEvent(Ids.New("evt"), organization.Id, "device.online", device.Id, Now, "{}"), cancellationToken: Token);
        Assert.StartsWith($$"""{"deviceId":"{{device.Id}}","sequence":2""", next.DataJson, StringComparison.Ordinal);
        Assert.True(next.Position > appended.Position);
    }

    [Fact]
    public async Task DisposeAsync_AfterMigratingTwice_ClosesEveryConnection()
    {
        var store = await Database.OpenAsync(Token);
        await store.MigrateAsync(Token);
        await InsertOrganizationAsync(store);
        Assert.True(await store.PingAsync(Token));

        await store.DisposeAsync();

        // Leaving WAL mode needs every other connection to the file closed.
        await using var connection = new SqliteConnection(Database.ConnectionString + ";Pooling=False;Default Timeout=1");
        await connection.OpenAsync(Token);
        Assert.Equal("delete", await connection.ExecuteScalarAsync<string>("PRAGMA journal_mode = DELETE"));
    }

    [Fact]
    public async Task DisposeAsync_Twice_IsHarmless()
    {
        // The server's container disposes the store under two registrations.
        var store = await Database.OpenAsync(Token);
        await store.DisposeAsync();
        await store.DisposeAsync();
    }

    [Fact]
    public async Task DisposeAsync_AfterWrites_LeavesNoWriteAheadLog()
    {
        var store = await Database.OpenAsync(Token);
        await InsertOrganizationAsync(store);
        await store.DisposeAsync();
        // The writer never checkpoints; the checkpointer folds the WAL in and truncates it on the way out.
        var wal = Database.Path + "-wal";
        Assert.True(!File.Exists(wal) || new FileInfo(wal).Length == 0, "the WAL should be empty after dispose");
    }

    [Fact]
    public async Task Writes_WithoutPause_StillLetTheLogStartOver()
    {
        // A checkpoint beside a busy writer never catches up, so without the writer's own pass the
        // WAL would only grow. Writers here never pause; the log must still be rewound, more than
        // once, and stay near its threshold.
        const long threshold = 1 << 20;
        await using var store = await Database.OpenAsync(Token, walRewindBytes: threshold);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var largest = 0L;
        while (store.WalRewinds < 3 && DateTime.UtcNow < deadline)
        {
            await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => InsertOrganizationAsync(store)));
            largest = Math.Max(largest, new FileInfo(Database.Path + "-wal").Length);
        }

        Assert.True(store.WalRewinds >= 3, $"the log was rewound {store.WalRewinds} times");
        // Reused from the start after each rewind: the file holds a pass's worth of frames, not all of them.
        Assert.True(largest < 64 * threshold, $"the WAL grew to {largest:N0} bytes");
    }

    [Fact]
    public async Task DisposeAsync_PendingWrites_CommitsThemFirst()
    {
        Organization[] organizations;
        await using (var store = await Database.OpenAsync(Token))
        {
            organizations = Enumerable.Range(0, 50).Select(i => new Organization(Ids.New("org"), $"Org {i}", Now)).ToArray();
            var writes = organizations.Select(o => store.WriteAsync(async tx =>
            {
                await tx.InsertOrganizationAsync(o);
                return true;
            }, Token)).ToList();
            await store.DisposeAsync();
            await Task.WhenAll(writes);
        }

        await using var reopened = await Database.OpenAsync(Token);
        Assert.Equal(organizations, (await reopened.ListOrganizationsAsync(new PageRequest(null, 100), Token)).Items);
    }


    private async Task<List<long>> AppliedVersionsAsync()
    {
        await using var connection = new SqliteConnection(Database.ConnectionString);
        await connection.OpenAsync(Token);
        return (await connection.QueryAsync<long>("SELECT version FROM schema_migrations ORDER BY version")).ToList();
    }
}
