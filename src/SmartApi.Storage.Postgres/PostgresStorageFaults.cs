using Npgsql;

namespace SmartApi.Storage.Postgres;

/// <summary>
/// PostgreSQL's storage faults: the server cannot be reached or the connection broke (Npgsql's
/// transient errors: sockets, timeouts, a full pool; SQLSTATE class 08), it is shutting down or
/// starting (57P01-57P03), out of resources (class 53: disk full 53100, memory, connections) or
/// failing at the system level (class 58: I/O error). Constraint violations and the like are not.
/// </summary>
internal sealed class PostgresStorageFaults : StorageFaults
{
    protected override bool IsProviderFault(Exception exception) => exception switch
    {
        PostgresException postgres => postgres.SqlState.StartsWith("08", StringComparison.Ordinal)
            || postgres.SqlState.StartsWith("53", StringComparison.Ordinal)
            || postgres.SqlState.StartsWith("58", StringComparison.Ordinal)
            || postgres.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow,
        NpgsqlException npgsql => npgsql.IsTransient,
        _ => false,
    };
}
