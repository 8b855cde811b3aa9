using Microsoft.Data.Sqlite;

namespace SmartApi.Storage.Sqlite.Tests;

/// <summary>A database file in its own temporary directory, deleted (with its WAL files) on dispose.</summary>
internal sealed class SqliteTestDatabase : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("smartapi-sqlite-").FullName;

    public string Path => System.IO.Path.Combine(_directory, "x.db");
    public string ConnectionString => $"Data Source={Path}";

    public async Task<SqliteSmartApiStore> OpenAsync(CancellationToken cancellationToken, TimeProvider? time = null, long? walRewindBytes = null, int? measurementFoldAt = null)
    {
        var options = new SqliteStorageOptions
        {
            ConnectionString = ConnectionString,
            WalRewindBytes = walRewindBytes ?? Checkpointer.DefaultRewindBytes,
            MeasurementFoldAt = measurementFoldAt ?? MeasurementInbox.DefaultFoldAt,
        };
        var store = new SqliteSmartApiStore(options, time ?? TimeProvider.System);
        await store.MigrateAsync(cancellationToken);
        return store;
    }

    public void Dispose()
    {
        // Pooled reader connections keep the file open; close them before deleting it.
        using (var connection = new SqliteConnection(ConnectionString))
        {
            SqliteConnection.ClearPool(connection);
        }
        Directory.Delete(_directory, recursive: true);
    }
}
