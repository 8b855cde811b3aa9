using Npgsql;

namespace SmartApi.Testing;

/// <summary>
/// The PostgreSQL cluster tests run against: its connection string is in SMARTAPI_TEST_POSTGRES
/// (.ci/postgres.sh starts a throwaway cluster and sets it). Without it the tests are skipped with a
/// message, except in CI (CI=true), where a missing cluster is a failure, not a quiet skip.
/// </summary>
public static class PostgresTestEnvironment
{
    public const string Variable = "SMARTAPI_TEST_POSTGRES";

    public static bool IsConfigured => !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(Variable));

    /// <summary>The configured connection string, or a skip (a failure under CI=true) when there is none.</summary>
    public static string ConnectionString()
    {
        var value = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrWhiteSpace(value))
        {
            return value;
        }
        var message = $"{Variable} is not set: start a cluster with `eval \"$(.ci/postgres.sh start)\"` to run the PostgreSQL tests.";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail("CI=true but " + message);
        }
        Assert.Skip(message);
        return "";
    }

    /// <summary>A new empty schema; the returned connection string has it as its search path.</summary>
    public static async Task<string> CreateSchemaAsync(string schema)
    {
        var baseString = ConnectionString();
        await using (var connection = new NpgsqlConnection(baseString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE SCHEMA {schema}", connection);
            await command.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(baseString) { SearchPath = schema }.ConnectionString;
    }

    public static async Task DropSchemaAsync(string schema)
    {
        await using var connection = new NpgsqlConnection(ConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE", connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>A new empty database; the returned connection string points at it.</summary>
    public static async Task<string> CreateDatabaseAsync(string database)
    {
        var baseString = ConnectionString();
        await using (var connection = new NpgsqlConnection(baseString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {database}", connection);
            await command.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(baseString) { Database = database }.ConnectionString;
    }

    public static async Task DropDatabaseAsync(string database)
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(ConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>A unique lower-case identifier for a schema or database.</summary>
    public static string NewName(string prefix) => prefix + "_" + Guid.NewGuid().ToString("N")[..16];
}
