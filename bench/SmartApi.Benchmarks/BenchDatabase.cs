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

    /// <summary>
    /// The CPU time of the PostgreSQL cluster's processes so far (the postmaster, its live children and
    /// those it reaped), when the cluster is <c>.ci/postgres.sh</c>'s (SMARTAPI_CI_POSTGRES_DIR); null otherwise.
    /// </summary>
    public Func<TimeSpan>? ServerProcessorTime { get; private init; }

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
        return new BenchDatabase(settings, () => DeliveryLoad.WaitForOutcomesAsync(new NpgsqlConnection(connectionString)), postgres, schema)
        {
            ServerProcessorTime = Environment.GetEnvironmentVariable("SMARTAPI_CI_POSTGRES_DIR") is { Length: > 0 } dir
                && File.Exists(Path.Combine(dir, "data", "postmaster.pid"))
                ? () => ClusterProcessorTime(int.Parse(File.ReadLines(Path.Combine(dir, "data", "postmaster.pid")).First(), System.Globalization.CultureInfo.InvariantCulture))
                : null,
        };
    }

    /// <summary>utime + stime of the postmaster and its children from /proc, plus cutime + cstime of the postmaster (exited backends).</summary>
    private static TimeSpan ClusterProcessorTime(int postmaster)
    {
        long ticks = 0;
        foreach (var path in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(path), out var pid))
            {
                continue;
            }
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(path, "stat"));
            }
            catch (IOException)
            {
                continue; // gone meanwhile
            }
            // After the command's closing parenthesis: state, ppid, ... utime (14th field), stime, cutime, cstime.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ppid = int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
            if (pid == postmaster || ppid == postmaster)
            {
                ticks += long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
                if (pid == postmaster)
                {
                    ticks += long.Parse(fields[13], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[14], System.Globalization.CultureInfo.InvariantCulture);
                }
            }
        }
        return TimeSpan.FromSeconds(ticks / 100.0); // USER_HZ
    }

    /// <summary>
    /// Runs SMARTAPI_BENCH_POSTGRES_SQL in the run's schema once the server has migrated it: to measure a
    /// schema change (an index or a constraint less) before writing its migration. Nothing without it.
    /// </summary>
    public async Task ExperimentAsync()
    {
        if (_adminConnectionString is null || Environment.GetEnvironmentVariable("SMARTAPI_BENCH_POSTGRES_SQL") is not { Length: > 0 } sql)
        {
            return;
        }
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_adminConnectionString) { SearchPath = _schema }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
        Console.WriteLine("schema experiment: " + sql);
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
