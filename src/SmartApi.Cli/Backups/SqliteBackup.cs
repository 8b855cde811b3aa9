using System.IO.Compression;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace SmartApi.Cli.Backups;

/// <summary>How far a backup or restore is: its stage, and the share of the stage done (0 to 1).</summary>
internal readonly record struct BackupProgress(string Stage, double Done);

/// <summary>What a finished backup wrote.</summary>
internal sealed record BackupResult(string File, long Bytes, BackupManifest Manifest);

/// <summary>
/// An online backup of a running SQLite server's data directory (ADR 043). A read transaction on the live file fixes
/// one snapshot (WAL mode: the server's writer goes on committing beside it); SQLite's backup API copies that
/// snapshot page by page, the copy is checked with <c>integrity_check</c>, and the zip is written to a temporary
/// file that is renamed over the output only when complete.
/// </summary>
internal static class SqliteBackup
{
    private const int PagesPerStep = 1024;
    private const int MaxBusySteps = 200;
    private static readonly TimeSpan BusyPause = TimeSpan.FromMilliseconds(50);

    public static async Task<BackupResult> RunAsync(string dataDirectory, string output, TimeProvider time, IProgress<BackupProgress>? progress,
        Func<CancellationToken, Task>? snapshotTaken, CancellationToken cancellationToken)
    {
        var database = Path.Combine(dataDirectory, BackupManifest.DatabaseFile);
        if (!File.Exists(database))
        {
            throw new CliException($"There is no {BackupManifest.DatabaseFile} in {dataDirectory}: is it the server's SmartApi:DataDirectory?", ExitCodes.Failure);
        }
        output = Path.GetFullPath(output);
        if (!Directory.Exists(Path.GetDirectoryName(output)))
        {
            throw new CliException($"The directory of {output} does not exist; create it first.", ExitCodes.Failure);
        }
        var copy = output + ".db.tmp";
        var archive = output + ".tmp";
        try
        {
            BackupChecks.DeleteQuietly(copy);
            var (schema, lastPosition) = await CopyAsync(database, copy, time, progress, snapshotTaken, cancellationToken);
            progress?.Report(new BackupProgress("Checking the copy", 0));
            await using (var check = BackupChecks.Open(copy, SqliteOpenMode.ReadWrite))
            {
                await check.OpenAsync(cancellationToken);
                if (await BackupChecks.IntegrityProblemAsync(check, cancellationToken) is { } problem)
                {
                    throw new CliException($"The copy of {database} failed its integrity check ({problem}); the source may be damaged: "
                        + "run 'sqlite3 smartapi.db \"PRAGMA integrity_check\"' on it.", ExitCodes.Failure);
                }
            }
            // The key file is read after the snapshot: it never changes once created, so every secret in the copy
            // was encrypted with a key that is already there. Configured keys (SmartApi:Webhooks:EncryptionKey) are not files.
            var keyFile = Path.Combine(dataDirectory, BackupManifest.KeyFile);
            var key = File.Exists(keyFile) ? await File.ReadAllBytesAsync(keyFile, cancellationToken) : null;
            var manifest = new BackupManifest(BackupManifest.CurrentFormatVersion, time.GetUtcNow(), schema, lastPosition, key is not null);
            progress?.Report(new BackupProgress("Writing the backup file", 0));
            await WriteArchiveAsync(archive, copy, key, manifest, cancellationToken);
            File.Move(archive, output, overwrite: true);
            progress?.Report(new BackupProgress("Done", 1));
            return new BackupResult(output, new FileInfo(output).Length, manifest);
        }
        finally
        {
            BackupChecks.DeleteQuietly(copy);
            BackupChecks.DeleteQuietly(archive);
        }
    }

    private static async Task<(long Schema, long LastPosition)> CopyAsync(string database, string copy, TimeProvider time, IProgress<BackupProgress>? progress,
        Func<CancellationToken, Task>? snapshotTaken, CancellationToken cancellationToken)
    {
        // ReadWrite without Create: a reader of a WAL database needs the -shm file, and a wrong path must not make a new database.
        await using var source = BackupChecks.Open(database, SqliteOpenMode.ReadWrite);
        await source.OpenAsync(cancellationToken);
        // Deferred: Microsoft.Data.Sqlite's default is BEGIN IMMEDIATE, which would take the write lock from the server.
        await using var snapshot = source.BeginTransaction(deferred: true);
        // The first read starts the snapshot; every step below copies from it, so the copy is the database as of this
        // moment however many pages the server writes meanwhile, and these figures describe exactly the copy.
        var schema = await BackupChecks.SchemaVersionAsync(source, snapshot, cancellationToken)
            ?? throw new CliException($"{database} is not a Smart API database (no schema_migrations and events tables).", ExitCodes.Failure);
        var lastPosition = await BackupChecks.LastEventPositionAsync(source, snapshot, cancellationToken);
        if (snapshotTaken is not null)
        {
            await snapshotTaken(cancellationToken);
        }

        await using var destination = BackupChecks.Open(copy, SqliteOpenMode.ReadWriteCreate);
        await destination.OpenAsync(cancellationToken);
        using (var backup = raw.sqlite3_backup_init(destination.Handle, "main", source.Handle, "main"))
        {
            if (backup is null || backup.IsInvalid)
            {
                throw new CliException("SQLite could not start the backup: " + raw.sqlite3_errmsg(destination.Handle).utf8_to_string(), ExitCodes.Failure);
            }
            int rc;
            var busy = 0;
            // Steps of 1024 pages (4 MB) report progress and let Ctrl+C stop a large copy between steps.
            while ((rc = raw.sqlite3_backup_step(backup, PagesPerStep)) is raw.SQLITE_OK or raw.SQLITE_BUSY or raw.SQLITE_LOCKED)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (rc != raw.SQLITE_OK)
                {
                    // The snapshot's read lock is held, so only a lock on the new copy could be busy: another process on it.
                    if (++busy > MaxBusySteps)
                    {
                        break;
                    }
                    await Task.Delay(BusyPause, time, cancellationToken);
                    continue;
                }
                var total = raw.sqlite3_backup_pagecount(backup);
                progress?.Report(new BackupProgress("Copying the database", total == 0 ? 0 : 1 - (double)raw.sqlite3_backup_remaining(backup) / total));
            }
            if (rc != raw.SQLITE_DONE)
            {
                throw new CliException($"SQLite stopped the backup ({raw.sqlite3_errstr(rc).utf8_to_string()}).", ExitCodes.Failure);
            }
        }
        await snapshot.RollbackAsync(cancellationToken);
        // The copy carries the source's WAL flag; a single file in rollback-journal mode is what goes into the zip.
        await using (var command = destination.CreateCommand())
        {
            command.CommandText = "PRAGMA journal_mode = DELETE";
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        progress?.Report(new BackupProgress("Copying the database", 1));
        return (schema, lastPosition);
    }

    private static async Task WriteArchiveAsync(string archive, string copy, byte[]? key, BackupManifest manifest, CancellationToken cancellationToken)
    {
        BackupChecks.DeleteQuietly(archive);
        await using var file = BackupChecks.CreateOwnerOnly(archive);
        await using (var zip = new ZipArchive(file, ZipArchiveMode.Create, leaveOpen: true))
        {
            await WriteEntryAsync(zip, BackupManifest.ManifestEntry, manifest.ToJson(), cancellationToken);
            var entry = zip.CreateEntry(BackupManifest.DatabaseFile, CompressionLevel.Fastest);
            await using (var target = await entry.OpenAsync(cancellationToken))
            await using (var source = File.OpenRead(copy))
            {
                await source.CopyToAsync(target, cancellationToken);
            }
            if (key is not null)
            {
                await WriteEntryAsync(zip, BackupManifest.KeyFile, key, cancellationToken);
            }
        }
        await file.FlushAsync(cancellationToken);
        file.Flush(flushToDisk: true);
    }

    private static async Task WriteEntryAsync(ZipArchive zip, string name, byte[] content, CancellationToken cancellationToken)
    {
        await using var stream = await zip.CreateEntry(name, CompressionLevel.Fastest).OpenAsync(cancellationToken);
        await stream.WriteAsync(content, cancellationToken);
    }
}
