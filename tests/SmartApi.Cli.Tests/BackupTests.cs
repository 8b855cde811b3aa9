using System.IO.Compression;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using SmartApi.Server.Tests;

namespace SmartApi.Cli.Tests;

/// <summary><c>smart admin backup</c> of the running fixture server's data directory, and <c>smart admin restore</c>.</summary>
public sealed class BackupTests(CliFixture fixture) : CliTest(fixture)
{
    [Fact]
    public async Task A_backup_taken_while_the_server_writes_restores_exactly_the_events_up_to_its_snapshot()
    {
        var key = await Fixture.TenantKeyAsync("devices:read", "devices:write");
        var client = Fixture.App.CreateClient(key);
        var acked = new List<string>();
        var sentAfterSnapshot = new List<string>();
        var snapshotTaken = 0;
        var moreAfterSnapshot = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var enoughBefore = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var writer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                // Read before the request is sent: a device created by a request sent after the snapshot cannot be in it.
                var afterSnapshot = Volatile.Read(ref snapshotTaken) == 1;
                var device = await SmartApiApplication.CreateDeviceAsync(client);
                lock (acked)
                {
                    acked.Add(device.Id);
                    if (afterSnapshot)
                    {
                        sentAfterSnapshot.Add(device.Id);
                    }
                    if (acked.Count >= 20)
                    {
                        enoughBefore.TrySetResult();
                    }
                    if (sentAfterSnapshot.Count >= 5)
                    {
                        moreAfterSnapshot.TrySetResult();
                    }
                }
            }
        }, Ct);
        await enoughBefore.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        string[] ackedBeforeBackup;
        lock (acked)
        {
            ackedBeforeBackup = [.. acked];
        }
        var output = Path.Combine(Path.GetTempPath(), $"smartapi-backup-{Guid.NewGuid():N}.zip");
        var restored = Path.Combine(Path.GetTempPath(), $"smartapi-restored-{Guid.NewGuid():N}");
        try
        {
            // The server goes on committing between the snapshot and the end of the copy.
            var backup = await CliFixture.RunAsync(new CliRun(null)
            {
                BackupSnapshotTaken = async ct =>
                {
                    Volatile.Write(ref snapshotTaken, 1);
                    await moreAfterSnapshot.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
                },
            }, "admin", "backup", "--data-directory", Fixture.App.DataDirectory, "--output", output, "--json");
            await stop.CancelAsync();
            await writer.ContinueWith(_ => { }, TaskScheduler.Default);
            Assert.True(backup.ExitCode == 0, backup.ToString());
            var summary = JsonDocument.Parse(backup.Out).RootElement;
            var lastPosition = summary.GetProperty("lastEventPosition").GetInt64();
            Assert.True(summary.GetProperty("schemaVersion").GetInt64() > 0);
            Assert.False(File.Exists(output + ".tmp"));

            var restore = await CliFixture.RunAsync(new CliRun(null), "admin", "restore", "--input", output, "--data-directory", restored);
            Assert.True(restore.ExitCode == 0, restore.ToString());

            // The restored log is the live log cut at the snapshot: the same events at the same positions, 1 to the last, none after.
            var live = await EventsAsync(Path.Combine(Fixture.App.DataDirectory, "smartapi.db"));
            var copy = await EventsAsync(Path.Combine(restored, "smartapi.db"));
            Assert.Equal(live.Where(e => e.Position <= lastPosition), copy);
            Assert.Equal(Enumerable.Range(1, (int)lastPosition).Select(p => (long)p), copy.Select(e => e.Position));
            Assert.Contains(live, e => e.Position > lastPosition);
            // The server wrote its key file at start-up: it comes back byte for byte, and every restored file is owner-only.
            var liveKey = Path.Combine(Fixture.App.DataDirectory, "webhook-secrets.key");
            Assert.True(summary.GetProperty("hasKeyFile").GetBoolean());
            Assert.Equal(await File.ReadAllBytesAsync(liveKey, Ct), await File.ReadAllBytesAsync(Path.Combine(restored, "webhook-secrets.key"), Ct));
            Assert.Equal(["smartapi.db", "webhook-secrets.key"], Directory.GetFiles(restored).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            if (!OperatingSystem.IsWindows())
            {
                foreach (var file in Directory.GetFiles(restored).Append(output))
                {
                    Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
                }
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(restored));
            }

            // A server on the restored directory has every device acknowledged before the backup began, none sent after its snapshot, and takes writes.
            await using var server = await SmartApiApplication.StartAsync(dataDirectory: restored);
            var listed = await CliFixture.RunAsync(new CliRun(key, Url: server.BaseAddress.ToString()), "devices", "list", "--all", "--json");
            Assert.True(listed.ExitCode == 0, listed.ToString());
            var ids = JsonDocument.Parse(listed.Out).RootElement.EnumerateArray().Select(d => d.GetProperty("id").GetString()!).ToHashSet();
            Assert.Subset(ids, ackedBeforeBackup.ToHashSet());
            Assert.True(sentAfterSnapshot.Count >= 5);
            Assert.All(sentAfterSnapshot, id => Assert.DoesNotContain(id, ids));
            await SmartApiApplication.CreateDeviceAsync(server.CreateClient(key));
        }
        finally
        {
            File.Delete(output);
            SqliteConnection.ClearAllPools();
            if (Directory.Exists(restored))
            {
                Directory.Delete(restored, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Restore_into_a_directory_with_anything_in_it_fails_with_exit_1_and_leaves_it_as_it_was()
    {
        var output = Path.Combine(Path.GetTempPath(), $"smartapi-backup-{Guid.NewGuid():N}.zip");
        var target = Directory.CreateTempSubdirectory("smartapi-restore-").FullName;
        await File.WriteAllTextAsync(Path.Combine(target, "notes.txt"), "keep me", Ct);
        try
        {
            Assert.Equal(0, (await CliFixture.RunAsync(new CliRun(null), "admin", "backup", "-d", Fixture.App.DataDirectory, "-o", output)).ExitCode);

            var result = await CliFixture.RunAsync(new CliRun(null), "admin", "restore", "--input", output, "--data-directory", target);

            Assert.Equal(ExitCodes.Failure, result.ExitCode);
            Assert.Contains("is not empty", result.Error, StringComparison.Ordinal);
            Assert.Equal(["notes.txt"], Directory.GetFiles(target).Select(Path.GetFileName));
        }
        finally
        {
            File.Delete(output);
            Directory.Delete(target, recursive: true);
        }
    }

    [Theory]
    [InlineData("random bytes", "it is not a zip file")]
    [InlineData("a zip without a manifest", "it has no manifest.json")]
    [InlineData("a manifest of another format", "does not name the smartapi-backup format")]
    [InlineData("a truncated database", "its database")]
    [InlineData("a manifest naming another schema version", "its manifest says 99999")]
    public async Task Restore_of_a_file_that_is_not_a_sound_backup_fails_with_exit_1_and_leaves_the_directory_empty(string file, string message)
    {
        var input = Path.Combine(Path.GetTempPath(), $"smartapi-bad-{Guid.NewGuid():N}.zip");
        var target = Path.Combine(Path.GetTempPath(), $"smartapi-restore-{Guid.NewGuid():N}");
        try
        {
            await WriteBadBackupAsync(file, input);

            var result = await CliFixture.RunAsync(new CliRun(null), "admin", "restore", "--input", input, "--data-directory", target);

            Assert.True(result.ExitCode == ExitCodes.Failure, result.ToString());
            Assert.Contains("is not a Smart API backup", result.Error, StringComparison.Ordinal);
            Assert.Contains(message, result.Error, StringComparison.Ordinal);
            Assert.True(!Directory.Exists(target) || !Directory.EnumerateFileSystemEntries(target).Any());
        }
        finally
        {
            File.Delete(input);
            if (Directory.Exists(target))
            {
                Directory.Delete(target, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Backup_of_a_directory_without_a_database_fails_with_exit_1()
    {
        var empty = Directory.CreateTempSubdirectory("smartapi-empty-").FullName;
        var output = Path.Combine(empty, "backup.zip");
        try
        {
            var result = await CliFixture.RunAsync(new CliRun(null), "admin", "backup", "--data-directory", empty, "--output", output);

            Assert.Equal(ExitCodes.Failure, result.ExitCode);
            Assert.Contains("There is no smartapi.db", result.Error, StringComparison.Ordinal);
            Assert.False(File.Exists(output));
            Assert.False(File.Exists(Path.Combine(empty, "smartapi.db")));
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    private async Task WriteBadBackupAsync(string kind, string path)
    {
        if (kind == "random bytes")
        {
            await File.WriteAllBytesAsync(path, System.Security.Cryptography.RandomNumberGenerator.GetBytes(4096), Ct);
            return;
        }
        if (kind == "a manifest naming another schema version")
        {
            Assert.Equal(0, (await CliFixture.RunAsync(new CliRun(null), "admin", "backup", "-d", Fixture.App.DataDirectory, "-o", path)).ExitCode);
            using var zip = ZipFile.Open(path, ZipArchiveMode.Update);
            var entry = zip.GetEntry("manifest.json")!;
            string text;
            using (var reader = new StreamReader(entry.Open()))
            {
                text = reader.ReadToEnd();
            }
            entry.Delete();
            using var writer = new StreamWriter(zip.CreateEntry("manifest.json").Open());
            writer.Write(System.Text.RegularExpressions.Regex.Replace(text, "\"schemaVersion\": \\d+", "\"schemaVersion\": 99999"));
            return;
        }
        if (kind == "a truncated database")
        {
            Assert.Equal(0, (await CliFixture.RunAsync(new CliRun(null), "admin", "backup", "-d", Fixture.App.DataDirectory, "-o", path)).ExitCode);
            using var zip = ZipFile.Open(path, ZipArchiveMode.Update);
            var entry = zip.GetEntry("smartapi.db")!;
            byte[] database;
            using (var stream = entry.Open())
            using (var buffer = new MemoryStream())
            {
                stream.CopyTo(buffer);
                database = buffer.ToArray();
            }
            entry.Delete();
            using var replaced = zip.CreateEntry("smartapi.db").Open();
            // The header (page 1) stays and names the full page count; the pages after the first half are gone.
            replaced.Write(database.AsSpan(0, database.Length / 2));
            return;
        }
        using var archive = ZipFile.Open(path, ZipArchiveMode.Create);
        archive.CreateEntry("smartapi.db").Open().Dispose();
        if (kind == "a manifest of another format")
        {
            using var manifest = new StreamWriter(archive.CreateEntry("manifest.json").Open());
            manifest.Write("""{"format":"something-else","formatVersion":1}""");
        }
    }

    private static async Task<List<(long Position, string Id)>> EventsAsync(string database)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = database, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT position, id FROM events ORDER BY position";
        var events = new List<(long, string)>();
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
        {
            events.Add((reader.GetInt64(0), reader.GetString(1)));
        }
        return events;
    }
}
