using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using SmartApi.Server.Devices;
using SmartApi.Server.Events;
using SmartApi.Storage;
using SmartApi.Storage.Sqlite;

namespace SmartApi.Benchmarks;

/// <summary>A fresh SQLite store in a temporary directory, with one organization, wired like the server.</summary>
internal sealed class BenchStore : IAsyncDisposable
{
    private readonly string _directory;

    private BenchStore(string directory, SqliteSmartApiStore store, string organizationId)
    {
        _directory = directory;
        Store = store;
        OrganizationId = organizationId;
        Ids = new IdGenerator(TimeProvider.System);
        Events = new EventFactory(Ids, TimeProvider.System);
        Devices = new DeviceService(store, Ids, TimeProvider.System, Events, Options.Create(new CommandOptions()));
    }

    public SqliteSmartApiStore Store { get; }
    public string OrganizationId { get; }
    public IdGenerator Ids { get; }
    public EventFactory Events { get; }
    public DeviceService Devices { get; }
    public string DatabasePath => Path.Combine(_directory, "smartapi.db");

    public static async Task<BenchStore> CreateAsync(int maxBatchSize)
    {
        var directory = Directory.CreateTempSubdirectory("smartapi-bench-").FullName;
        // The same connection string shape as the server's default (StorageOptions.SqliteConnectionString).
        var store = new SqliteSmartApiStore(
            new SqliteStorageOptions { ConnectionString = $"Data Source={Path.Combine(directory, "smartapi.db")}", MaxBatchSize = maxBatchSize },
            TimeProvider.System);
        await store.MigrateAsync();
        var organization = new Organization(new IdGenerator(TimeProvider.System).New("org"), "bench", DateTimeOffset.UtcNow);
        await store.WriteAsync(async tx =>
        {
            await tx.InsertOrganizationAsync(organization);
            return true;
        });
        return new BenchStore(directory, store, organization.Id);
    }

    public async Task<string[]> CreateDevicesAsync(int count)
    {
        var created = await Task.WhenAll(Enumerable.Range(0, count).Select(i =>
            Devices.CreateAsync(OrganizationId, new Contracts.CreateDeviceRequest($"DT31-{i:D6}", $"Bench {i}"), CancellationToken.None)));
        return created.Select(c => c.Device.Id).ToArray();
    }

    /// <summary>Counts rows with a separate connection, to check the harness against the database.</summary>
    public async Task<long> CountAsync(string table)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM " + table;
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
