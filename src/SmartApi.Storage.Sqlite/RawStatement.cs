using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace SmartApi.Storage.Sqlite;

/// <summary>
/// A statement of the append path run through SQLitePCL on the writer's connection, bypassing
/// Microsoft.Data.Sqlite's per-call work: a data reader per execution, parameters bound by name
/// (their UTF-8 names looked up in SQLite every time) and boxed values. Parameters are numbered
/// (<c>?1</c>, <c>?2</c>, ...) in the SQL; text is bound as UTF-16, which SQLite converts itself.
/// It runs inside whatever transaction the connection has open, like any other statement.
/// </summary>
internal sealed class RawStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;

    public RawStatement(SqliteConnection connection, string sql)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        SqliteException.ThrowExceptionForRC(raw.sqlite3_prepare_v2(_db, sql, out _statement), _db);
    }

    public RawStatement Bind(int index, string? value) =>
        Checked(value is null ? raw.sqlite3_bind_null(_statement, index) : raw.sqlite3_bind_text16(_statement, index, value));

    public RawStatement Bind(int index, long? value) =>
        Checked(value is { } v ? raw.sqlite3_bind_int64(_statement, index, v) : raw.sqlite3_bind_null(_statement, index));

    public RawStatement Bind(int index, bool value) => Checked(raw.sqlite3_bind_int64(_statement, index, value ? 1 : 0));

    /// <summary>Runs the statement to its end; the first column of its first row (<c>RETURNING</c>), or null.</summary>
    public long? Execute()
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

    private RawStatement Checked(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
        }
        return this;
    }

    public void Dispose() => _statement.Dispose();
}
