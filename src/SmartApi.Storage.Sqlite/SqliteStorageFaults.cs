using Microsoft.Data.Sqlite;

namespace SmartApi.Storage.Sqlite;

/// <summary>
/// SQLite's storage faults: the disk or file system is full (SQLITE_FULL), an I/O error
/// (SQLITE_IOERR and its extended codes), the file cannot be opened or written (CANTOPEN,
/// READONLY: permissions, a file system remounted read-only), or it is locked beyond the busy
/// timeout (BUSY, LOCKED). Constraint violations and the like are not.
/// </summary>
internal sealed class SqliteStorageFaults : StorageFaults
{
    private const int Busy = 5;
    private const int Locked = 6;
    private const int ReadOnly = 8;
    private const int IoError = 10;
    private const int Full = 13;
    private const int CantOpen = 14;

    protected override bool IsProviderFault(Exception exception) =>
        exception is SqliteException sqlite && (sqlite.SqliteErrorCode & 0xFF) is Busy or Locked or ReadOnly or IoError or Full or CantOpen;
}
