using System.Diagnostics;
using SmartApi.Testing;

namespace SmartApi.Server.Tests.Postgres;

/// <summary>
/// A PostgreSQL cluster of the test's own (.ci/postgres.sh start), for fault tests that stop and
/// start the database server: the shared cluster of SMARTAPI_TEST_POSTGRES serves other tests at
/// the same time and must never go away. Deleted on dispose.
/// </summary>
internal sealed class OwnPostgresCluster : IAsyncDisposable
{
    private readonly string _directory;

    private OwnPostgresCluster(string directory, string connectionString)
    {
        _directory = directory;
        ConnectionString = connectionString;
    }

    /// <summary>The cluster's empty <c>smartapi</c> database.</summary>
    public string ConnectionString { get; }

    public static async Task<OwnPostgresCluster> StartAsync()
    {
        // The PostgreSQL tests run where a cluster was set up for them (skipped otherwise, failed under CI).
        PostgresTestEnvironment.ConnectionString();
        var exports = await ScriptAsync("start");
        string? directory = null, connectionString = null;
        foreach (var line in exports.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (name, value) = (line["export ".Length..line.IndexOf('=', StringComparison.Ordinal)], line[(line.IndexOf('=', StringComparison.Ordinal) + 1)..].Trim('\''));
            if (name == "SMARTAPI_CI_POSTGRES_DIR")
            {
                directory = value;
            }
            else if (name == PostgresTestEnvironment.Variable)
            {
                connectionString = value;
            }
        }
        return new OwnPostgresCluster(directory ?? throw new InvalidOperationException("postgres.sh printed no directory: " + exports),
            connectionString ?? throw new InvalidOperationException("postgres.sh printed no connection string: " + exports));
    }

    /// <summary>Stops the server (immediate: clients' connections are cut as by a crash); the data stays.</summary>
    public Task HaltAsync(string mode = "immediate") => ScriptAsync("halt", _directory, mode);

    /// <summary>Starts the server again on the same port and data (after crash recovery).</summary>
    public Task ResumeAsync() => ScriptAsync("resume", _directory);

    public async ValueTask DisposeAsync()
    {
        Npgsql.NpgsqlConnection.ClearAllPools();
        await ScriptAsync("stop", _directory);
    }

    private static async Task<string> ScriptAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(RepositoryRoot(), ".ci", "postgres.sh"), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"postgres.sh {string.Join(' ', arguments)} failed ({process.ExitCode}): {await error}");
        }
        return await output;
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, ".ci", "postgres.sh")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException($"No .ci/postgres.sh above {AppContext.BaseDirectory}: this test runs from a checkout.");
    }
}
