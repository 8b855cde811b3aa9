using System.Data;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace SmartApi.Storage.Sqlite;

/// <summary>
/// A statement of the writer connection executed on the SQLite handle itself, its parameters bound
/// by position. Microsoft.Data.Sqlite binds by name on every execution (the name copied to UTF-8
/// and searched for, per parameter) and wraps each execution in a data reader; for the measurement
/// insert and the energy-state update, run once per telemetry sample, that was most of their cost,
/// and a large part of the event append's (device update, sequence, event insert).
/// It runs inside whatever transaction the connection has open, like any statement on it.
/// Prepared once per connection, finalized when the connection closes.
/// </summary>
internal sealed class RawStatement : IDisposable
{
    private static readonly ConditionalWeakTable<SqliteConnection, Dictionary<string, RawStatement>> Statements = [];

    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;
    private readonly int[] _indexes;

    private RawStatement(sqlite3 db, string sql, string[] parameters)
    {
        _db = db;
        Check(raw.sqlite3_prepare_v2(db, sql, out _statement));
        _indexes = [.. parameters.Select(p => raw.sqlite3_bind_parameter_index(_statement, p) is > 0 and var i
            ? i : throw new ArgumentException($"The statement has no parameter {p}.", nameof(parameters)))];
    }

    /// <summary>The statement for <paramref name="sql"/> on this connection; <paramref name="parameters"/> name what each position binds.</summary>
    public static RawStatement For(SqliteConnection connection, string sql, string[] parameters)
    {
        var statements = Statements.GetValue(connection, c =>
        {
            var created = new Dictionary<string, RawStatement>(StringComparer.Ordinal);
            c.StateChange += (_, e) =>
            {
                if (e.CurrentState == ConnectionState.Closed)
                {
                    // A handle closed with statements left open lingers until they are finalized.
                    foreach (var statement in created.Values)
                    {
                        statement.Dispose();
                    }
                    created.Clear();
                }
            };
            return created;
        });
        if (!statements.TryGetValue(sql, out var statement))
        {
            statement = new RawStatement(connection.Handle!, sql, parameters);
            statements[sql] = statement;
        }
        return statement;
    }

    public RawStatement Bind(int position, string? value)
    {
        Check(value is null ? raw.sqlite3_bind_null(_statement, _indexes[position]) : raw.sqlite3_bind_text(_statement, _indexes[position], value));
        return this;
    }

    public RawStatement Bind(int position, bool value) => Bind(position, value ? 1L : 0L);

    public RawStatement Bind(int position, long? value)
    {
        Check(value is { } v ? raw.sqlite3_bind_int64(_statement, _indexes[position], v) : raw.sqlite3_bind_null(_statement, _indexes[position]));
        return this;
    }

    public RawStatement Bind(int position, double? value)
    {
        Check(value is { } v ? raw.sqlite3_bind_double(_statement, _indexes[position], v) : raw.sqlite3_bind_null(_statement, _indexes[position]));
        return this;
    }

    /// <summary>Runs the statement to completion; the number of rows it changed.</summary>
    public int Execute()
    {
        var rc = raw.sqlite3_step(_statement);
        raw.sqlite3_reset(_statement);
        if (rc != raw.SQLITE_DONE)
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
        }
        return raw.sqlite3_changes(_db);
    }

    /// <summary>Runs the statement to its end; the first column of its first row (<c>RETURNING</c>), or null.</summary>
    public long? ExecuteScalar()
    {
        try
        {
            long? first = null;
            int rc;
            while ((rc = raw.sqlite3_step(_statement)) == raw.SQLITE_ROW)
            {
                if (first is null && raw.sqlite3_column_type(_statement, 0) != raw.SQLITE_NULL)
                {
                    first = raw.sqlite3_column_int64(_statement, 0);
                }
            }
            if (rc != raw.SQLITE_DONE)
            {
                SqliteException.ThrowExceptionForRC(rc, _db);
            }
            return first;
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    /// <summary>
    /// Runs an <c>INSERT</c> of one row into a rowid table; its rowid. Cheaper than
    /// <c>RETURNING</c>, which SQLite implements with a temporary table per execution (~5 us here).
    /// </summary>
    public long ExecuteInsert()
    {
        Execute();
        return raw.sqlite3_last_insert_rowid(_db);
    }

    public void Dispose() => _statement.Dispose();

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
        }
    }
}
