using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace SmartApi.Cli.Backups;

/// <summary>
/// What a backup file holds: a zip with <c>manifest.json</c>, the database copy and, when the data directory has
/// one, the key file that decrypts the stored secrets. The manifest names the format so that restore can tell a
/// backup from any other zip, and the schema version so that it can check the database is the one described.
/// </summary>
internal sealed record BackupManifest(int FormatVersion, DateTimeOffset CreatedAt, long SchemaVersion, long LastEventPosition, bool HasKeyFile)
{
    public const string Format = "smartapi-backup";
    public const int CurrentFormatVersion = 1;
    public const string ManifestEntry = "manifest.json";
    public const string DatabaseFile = "smartapi.db";
    public const string KeyFile = "webhook-secrets.key";

    public byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("format", Format);
            writer.WriteNumber("formatVersion", FormatVersion);
            writer.WriteString("createdAt", CreatedAt.ToString("O", CultureInfo.InvariantCulture));
            writer.WriteNumber("schemaVersion", SchemaVersion);
            writer.WriteNumber("lastEventPosition", LastEventPosition);
            writer.WriteBoolean("hasKeyFile", HasKeyFile);
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>Reads and checks the manifest; anything else than a version-1 Smart API manifest is refused.</summary>
    public static BackupManifest Read(ZipArchive archive, string path)
    {
        var entry = archive.GetEntry(ManifestEntry) ?? throw NotABackup(path, "it has no manifest.json");
        try
        {
            using var stream = entry.Open();
            using var document = JsonDocument.Parse(stream);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.String
                || format.GetString() != Format)
            {
                throw NotABackup(path, "its manifest does not name the smartapi-backup format");
            }
            var version = root.GetProperty("formatVersion").GetInt32();
            if (version != CurrentFormatVersion)
            {
                throw new CliException($"{path} is a backup of format version {version}; this smart reads version {CurrentFormatVersion}. "
                    + "Use the smart of the server version that wrote it.", ExitCodes.Failure);
            }
            return new BackupManifest(version, root.GetProperty("createdAt").GetDateTimeOffset(), root.GetProperty("schemaVersion").GetInt64(),
                root.GetProperty("lastEventPosition").GetInt64(), root.GetProperty("hasKeyFile").GetBoolean());
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or InvalidDataException)
        {
            throw NotABackup(path, "its manifest cannot be read: " + ex.Message);
        }
    }

    public static CliException NotABackup(string path, string why) =>
        new($"{path} is not a Smart API backup: {why}.", ExitCodes.Failure);
}

/// <summary>Checks shared by backup (on the copy) and restore (on the extracted file).</summary>
internal static class BackupChecks
{
    /// <summary>A connection to one file that is never pooled, so the file is closed when it is disposed.</summary>
    public static SqliteConnection Open(string file, SqliteOpenMode mode) =>
        new(new SqliteConnectionStringBuilder { DataSource = file, Mode = mode, Pooling = false }.ToString());

    /// <summary>
    /// <c>PRAGMA integrity_check</c> reads every page and index: a copy that passes opens and reads as the original did.
    /// Returns null when the database is sound, else SQLite's first complaint.
    /// </summary>
    public static async Task<string?> IntegrityProblemAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check";
        var result = await command.ExecuteScalarAsync(cancellationToken) as string;
        return result == "ok" ? null : result ?? "no answer";
    }

    /// <summary>The last migration applied, or null when the file is not a Smart API database.</summary>
    public static async Task<long?> SchemaVersionAsync(SqliteConnection connection, SqliteTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('schema_migrations', 'events')";
        if (Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) != 2)
        {
            return null;
        }
        command.CommandText = "SELECT max(version) FROM schema_migrations";
        return await command.ExecuteScalarAsync(cancellationToken) is long version ? version : null;
    }

    public static async Task<long> LastEventPositionAsync(SqliteConnection connection, SqliteTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT coalesce(max(position), 0) FROM events";
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    /// <summary>Creates (or truncates) a file readable by its owner only: backups hold every tenant's data and the secrets key.</summary>
    public static FileStream CreateOwnerOnly(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        return new FileStream(path, options);
    }

    public static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
