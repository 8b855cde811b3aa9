using System.Runtime.Versioning;
using Microsoft.Extensions.DependencyInjection;
using SmartApi.Server.Webhooks;

namespace SmartApi.Server.Tests.Infrastructure;

/// <summary>The data directory holds every tenant's data and the secrets key: only the server's user may read it.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class DataDirectoryTests : IDisposable
{
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode Readable = OwnerOnlyFile | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private readonly string _root = Directory.CreateTempSubdirectory("smartapi-perm-").FullName;

    private string DataDirectory => Path.Combine(_root, "data");

    [Fact]
    public async Task A_fresh_start_creates_the_directory_0700_and_every_file_in_it_0600()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes");
        await using (var app = await SmartApiApplication.StartAsync(dataDirectory: DataDirectory))
        {
            // Writes, so the WAL and shared-memory files exist; the key file is created on first use.
            await SmartApiApplication.CreateDeviceAsync(app.Admin);
            app.Services.GetRequiredService<SecretProtector>();

            var files = Directory.GetFiles(DataDirectory).Select(Path.GetFileName).ToHashSet();
            Assert.Superset(new HashSet<string?> { "smartapi.db", "smartapi.db-wal", "smartapi.db-shm", SecretProtector.KeyFileName }, files);
            Assert.Equal(OwnerOnlyDirectory, File.GetUnixFileMode(DataDirectory));
            Assert.All(Directory.GetFiles(DataDirectory), file => Assert.True(OwnerOnlyFile == File.GetUnixFileMode(file), $"{file}: {File.GetUnixFileMode(file)}"));
        }
    }

    [Fact]
    public async Task Files_left_readable_by_others_are_made_owner_only_at_start()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes");
        await using (var first = await SmartApiApplication.StartAsync(dataDirectory: DataDirectory))
        {
            await SmartApiApplication.CreateDeviceAsync(first.Admin);
            first.Services.GetRequiredService<SecretProtector>();
        }
        // As an older version, a restore from backup or a careless copy would leave them.
        foreach (var file in Directory.GetFiles(DataDirectory))
        {
            File.SetUnixFileMode(file, Readable);
        }

        await using var second = await SmartApiApplication.StartAsync(dataDirectory: DataDirectory);
        await SmartApiApplication.CreateDeviceAsync(second.Admin);

        Assert.Contains(Path.Combine(DataDirectory, "smartapi.db"), Directory.GetFiles(DataDirectory));
        Assert.All(Directory.GetFiles(DataDirectory), file => Assert.True(OwnerOnlyFile == File.GetUnixFileMode(file), $"{file}: {File.GetUnixFileMode(file)}"));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_root, recursive: true);
    }
}
