using Dapper;
using Microsoft.Data.Sqlite;

namespace SmartApi.Storage.Sqlite;

/// <summary>
/// Prepared statements kept per connection. Microsoft.Data.Sqlite keeps a statement compiled for
/// as long as its command lives, while a new command (what Dapper creates per call) compiles it
/// again; on the hot paths (event append, outbox, measurements, key and device reads) that
/// compilation cost more than running the statement. Rows are still mapped by Dapper's row parsers.
/// </summary>
internal sealed class CommandCache(SqliteConnection connection) : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    public SqliteConnection Connection => connection;

    public SqliteCommand Get(string sql, SqliteTransaction? transaction = null)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            _commands[sql] = command;
        }
        command.Transaction = transaction;
        return command;
    }

    public void Dispose()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }
        _commands.Clear();
    }
}

internal static class CommandExtensions
{
    // Dapper's GetRowParser reads every column name to find its cached materializer; a kept
    // command always returns the same columns, so its parser is kept beside it.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SqliteCommand, object> Parsers = [];

    private static Func<System.Data.Common.DbDataReader, T> Parser<T>(SqliteCommand command, System.Data.Common.DbDataReader reader)
    {
        if (Parsers.TryGetValue(command, out var cached) && cached is Func<System.Data.Common.DbDataReader, T> parser)
        {
            return parser;
        }
        parser = reader.GetRowParser<T>();
        Parsers.AddOrUpdate(command, parser);
        return parser;
    }

    /// <summary>Sets a parameter, adding it on the command's first use.</summary>
    public static SqliteCommand With(this SqliteCommand command, string name, object? value)
    {
        var parameters = command.Parameters;
        var index = parameters.IndexOf(name);
        if (index < 0)
        {
            parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        else
        {
            parameters[index].Value = value ?? DBNull.Value;
        }
        return command;
    }

    public static async ValueTask<T?> SingleOrDefaultAsync<T>(this SqliteCommand command) where T : class
    {
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? Parser<T>(command, reader)(reader) : null;
    }

    public static async ValueTask<List<T>> ListAsync<T>(this SqliteCommand command)
    {
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        if (await reader.ReadAsync())
        {
            var parse = Parser<T>(command, reader);
            do
            {
                rows.Add(parse(reader));
            }
            while (await reader.ReadAsync());
        }
        return rows;
    }

    public static async ValueTask<T?> ScalarAsync<T>(this SqliteCommand command)
    {
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)Convert.ChangeType(value, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>
/// Reader connections with their prepared statements, reused across requests. WAL lets them read
/// while the writer writes; each is used by one caller at a time.
/// </summary>
internal sealed class ReaderPool(string connectionString, int maxIdle) : IDisposable
{
    private readonly System.Collections.Concurrent.ConcurrentBag<CommandCache> _idle = [];
    private int _idleCount;

    public async ValueTask<Lease> RentAsync(CancellationToken cancellationToken)
    {
        if (_idle.TryTake(out var cache))
        {
            Interlocked.Decrement(ref _idleCount);
            return new Lease(this, cache);
        }
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        return new Lease(this, new CommandCache(connection));
    }

    private void Return(CommandCache cache)
    {
        if (Interlocked.Increment(ref _idleCount) <= maxIdle)
        {
            _idle.Add(cache);
            return;
        }
        Interlocked.Decrement(ref _idleCount);
        cache.Dispose();
        cache.Connection.Dispose();
    }

    public void Dispose()
    {
        while (_idle.TryTake(out var cache))
        {
            cache.Dispose();
            cache.Connection.Dispose();
        }
    }

    public readonly struct Lease(ReaderPool pool, CommandCache commands) : IDisposable
    {
        public CommandCache Commands => commands;

        public SqliteCommand Command(string sql) => commands.Get(sql);

        public void Dispose() => pool.Return(commands);
    }
}
