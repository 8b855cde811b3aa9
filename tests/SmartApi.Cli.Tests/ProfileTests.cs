using System.Text.Json;

namespace SmartApi.Cli.Tests;

/// <summary>Profiles: the URL and the key's source; key files must be owner-only; the key is never printed.</summary>
public sealed class ProfileTests(CliFixture fixture) : CliTest(fixture)
{
    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_key_file_readable_by_others_is_refused_and_an_owner_only_one_works()
    {
        var key = await Fixture.TenantKeyAsync("devices:read");
        var directory = Directory.CreateTempSubdirectory("smart-profile-").FullName;
        try
        {
            var keyFile = Path.Combine(directory, "prod.key");
            await File.WriteAllTextAsync(keyFile, key + "\n", Ct);
            File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            var config = Path.Combine(directory, "config");
            var run = new CliRun(null, ConfigDirectory: config);

            var refused = await CliFixture.RunAsync(run, "profiles", "set", "prod", "--url", Fixture.App.BaseAddress.ToString(), "--key-file", keyFile);
            Assert.Equal(3, refused.ExitCode);
            Assert.Contains("chmod 600", refused.Error, StringComparison.Ordinal);

            File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            Assert.Equal(0, (await CliFixture.RunAsync(run, "profiles", "set", "prod", "--url", Fixture.App.BaseAddress.ToString(), "--key-file", keyFile)).ExitCode);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(config, "config.json")));
            var listed = await CliFixture.RunAsync(run, "profiles", "list");
            Assert.Contains("prod", listed.Out, StringComparison.Ordinal);
            Assert.DoesNotContain(key, listed.Out + await File.ReadAllTextAsync(Path.Combine(config, "config.json"), Ct), StringComparison.Ordinal);

            // The current profile is used without SMART_URL or SMART_API_KEY.
            var devices = await CliFixture.RunAsync(run, "devices", "list", "--json");
            Assert.True(devices.ExitCode == 0, devices.ToString());
            Assert.Equal(JsonValueKind.Array, JsonDocument.Parse(devices.Out).RootElement.ValueKind);

            // A file loosened later is refused at use, too.
            File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
            Assert.Equal(3, (await CliFixture.RunAsync(run, "devices", "list")).ExitCode);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_profile_reads_its_key_from_the_named_environment_variable()
    {
        var key = await Fixture.TenantKeyAsync("devices:read");
        var config = Path.Combine(Path.GetTempPath(), "smart-env-" + Guid.NewGuid().ToString("N"));
        var run = new CliRun(null, ConfigDirectory: config, Environment: new Dictionary<string, string?> { ["ACME_SMART_KEY"] = key });
        Assert.Equal(0, (await CliFixture.RunAsync(run, "profiles", "set", "acme", "--url", Fixture.App.BaseAddress.ToString(), "--key-env", "ACME_SMART_KEY")).ExitCode);
        Assert.Equal(0, (await CliFixture.RunAsync(run, "devices", "list")).ExitCode);
        Assert.Equal(3, (await CliFixture.RunAsync(run, "--profile", "nope", "devices", "list")).ExitCode);
        Directory.Delete(config, recursive: true);
    }
}
