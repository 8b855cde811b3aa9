using Microsoft.Data.Sqlite;
using Npgsql;

namespace SmartApi.Benchmarks;

/// <summary>
/// The database of one <c>deliveries</c> set-up: SQLite in the run's directory, or a fresh schema in
/// the PostgreSQL cluster given by <c>--postgres</c> (dropped afterwards).
/// </summary>
internal sealed class BenchDatabase : IAsyncDisposable
{
    private readonly string? _adminConnectionString;
    private readonly string? _schema;

    private BenchDatabase(IReadOnlyDictionary<string, string?> settings, Func<Task<string>> outcomes, string? adminConnectionString, string? schema)
    {
        Settings = settings;
        Outcomes = outcomes;
        _adminConnectionString = adminConnectionString;
        _schema = schema;
    }

    /// <summary>The server settings that select this database.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; }

    /// <summary>Waits until no delivery is pending, then the counts per status.</summary>
    public Func<Task<string>> Outcomes { get; }

    public static async Task<BenchDatabase> CreateAsync(string store, string? postgres, string directory)
    {
        if (store == "sqlite")
        {
            var path = Path.Combine(directory, "smartapi.db");
            return new BenchDatabase(new Dictionary<string, string?>(),
                () => DeliveryLoad.WaitForOutcomesAsync(new SqliteConnection($"Data Source={path};Mode=ReadOnly")), null, null);
        }
        if (store is not ("postgres" or "postgres2"))
        {
            throw new ArgumentException($"unknown store {store}: sqlite, postgres or postgres2");
        }
        if (string.IsNullOrEmpty(postgres))
        {
            throw new ArgumentException("--postgres <connection string> (or SMARTAPI_TEST_POSTGRES) is needed for " + store);
        }
        var schema = "bench_" + Guid.NewGuid().ToString("N")[..12];
        await using (var connection = new NpgsqlConnection(postgres))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE SCHEMA {schema}", connection);
            await command.ExecuteNonQueryAsync();
        }
        var connectionString = new NpgsqlConnectionStringBuilder(postgres) { SearchPath = schema }.ConnectionString;
        var settings = new Dictionary<string, string?>
        {
            ["SmartApi:Storage:Provider"] = "postgres",
            ["SmartApi:Storage:ConnectionString"] = connectionString,
            ["SmartApi:Webhooks:EncryptionKey"] = Convert.ToBase64String(new byte[32]),
        };
        return new BenchDatabase(settings, () => DeliveryLoad.WaitForOutcomesAsync(new NpgsqlConnection(connectionString)), postgres, schema);
    }

    public async ValueTask DisposeAsync()
    {
        if (_adminConnectionString is null)
        {
            return;
        }
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {_schema} CASCADE", connection);
        await command.ExecuteNonQueryAsync();
    }
}
