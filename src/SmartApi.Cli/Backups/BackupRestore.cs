using System.IO.Compression;
using Microsoft.Data.Sqlite;

namespace SmartApi.Cli.Backups;

/// <summary>
/// Restores a backup into an empty data directory: the files are extracted under temporary names, the database is
/// checked (integrity, and the schema version the manifest names), and only then renamed to the names the server opens.
/// A directory with anything in it is refused: restore never mixes a backup with live or older files.
/// </summary>
internal static class BackupRestore
{
    private const string Pending = ".restoring";

    public static async Task<BackupManifest> RunAsync(string input, string dataDirectory, IProgress<BackupProgress>? progress, CancellationToken cancellationToken)
    {
        if (!File.Exists(input))
        {
            throw new CliException($"{input} does not exist.", ExitCodes.Failure);
        }
        if (Directory.Exists(dataDirectory) && Directory.EnumerateFileSystemEntries(dataDirectory).Any())
        {
            throw new CliException($"{dataDirectory} is not empty. Restore into an empty (or new) directory, then point SmartApi:DataDirectory at it.",
                ExitCodes.Failure);
        }
        ZipArchive zip;
        try
        {
            zip = await ZipArchive.CreateAsync(File.OpenRead(input), ZipArchiveMode.Read, leaveOpen: false, entryNameEncoding: null, cancellationToken);
        }
        catch (InvalidDataException ex)
        {
            throw BackupManifest.NotABackup(input, "it is not a zip file (" + ex.Message + ")");
        }
        await using (zip)
        {
            var manifest = BackupManifest.Read(zip, input);
            var databaseEntry = zip.GetEntry(BackupManifest.DatabaseFile) ?? throw BackupManifest.NotABackup(input, "it holds no " + BackupManifest.DatabaseFile);
            var keyEntry = zip.GetEntry(BackupManifest.KeyFile);
            if (manifest.HasKeyFile != keyEntry is not null)
            {
                throw BackupManifest.NotABackup(input, "its key file does not match its manifest");
            }
            CreateOwnerOnlyDirectory(dataDirectory);
            var database = Path.Combine(dataDirectory, BackupManifest.DatabaseFile);
            var key = Path.Combine(dataDirectory, BackupManifest.KeyFile);
            try
            {
                progress?.Report(new BackupProgress("Extracting the database", 0));
                await ExtractAsync(databaseEntry, database + Pending, input, cancellationToken);
                progress?.Report(new BackupProgress("Checking the database", 0));
                await CheckAsync(database + Pending, manifest, input, cancellationToken);
                if (keyEntry is not null)
                {
                    await ExtractAsync(keyEntry, key + Pending, input, cancellationToken);
                    File.Move(key + Pending, key);
                }
                File.Move(database + Pending, database);
                progress?.Report(new BackupProgress("Done", 1));
                return manifest;
            }
            catch
            {
                // Nothing half-restored stays behind, so the directory is empty again and the command can simply be rerun.
                foreach (var file in new[] { database + Pending, key + Pending, database, key })
                {
                    BackupChecks.DeleteQuietly(file);
                }
                throw;
            }
        }
    }

    private static async Task ExtractAsync(ZipArchiveEntry entry, string path, string input, CancellationToken cancellationToken)
    {
        try
        {
            await using var target = BackupChecks.CreateOwnerOnly(path);
            await using var source = await entry.OpenAsync(cancellationToken);
            await source.CopyToAsync(target, cancellationToken);
            await target.FlushAsync(cancellationToken);
            target.Flush(flushToDisk: true);
        }
        catch (InvalidDataException ex)
        {
            throw BackupManifest.NotABackup(input, $"its {entry.FullName} is damaged ({ex.Message})");
        }
    }

    private static async Task CheckAsync(string database, BackupManifest manifest, string input, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = BackupChecks.Open(database, SqliteOpenMode.ReadWrite);
            await connection.OpenAsync(cancellationToken);
            if (await BackupChecks.IntegrityProblemAsync(connection, cancellationToken) is { } problem)
            {
                throw BackupManifest.NotABackup(input, "its database failed the integrity check (" + problem + ")");
            }
            var schema = await BackupChecks.SchemaVersionAsync(connection, null, cancellationToken);
            if (schema != manifest.SchemaVersion)
            {
                throw BackupManifest.NotABackup(input, $"its database is at schema version {schema?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, "
                    + $"its manifest says {manifest.SchemaVersion}");
            }
        }
        catch (SqliteException ex)
        {
            throw BackupManifest.NotABackup(input, "its database cannot be read (" + ex.Message + ")");
        }
    }

    private static void CreateOwnerOnlyDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }
        // An existing directory keeps its mode, as the server leaves it (it may be shared on purpose and warns if so).
        if (!Directory.Exists(path))
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
