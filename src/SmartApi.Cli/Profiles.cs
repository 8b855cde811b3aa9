using System.Text.Json;
using System.Text.Json.Serialization;

namespace SmartApi.Cli;

/// <summary>
/// Named connections: a URL and where the key comes from, an environment variable or a file that
/// only its owner may read. The key itself is never stored in the profile nor printed.
/// </summary>
internal sealed class Profiles
{
    public const string DefaultUrl = "http://127.0.0.1:8080";
    public const string DefaultKeyVariable = "SMART_API_KEY";

    public string? Current { get; set; }
    public Dictionary<string, Profile> Items { get; set; } = new(StringComparer.Ordinal);

    public static string FilePath(CliHost host) => Path.Combine(host.ConfigDirectory, "config.json");

    public static Profiles Load(CliHost host)
    {
        var path = FilePath(host);
        if (!File.Exists(path))
        {
            return new Profiles();
        }
        try
        {
            var file = JsonSerializer.Deserialize(File.ReadAllText(path), CliJsonContext.Default.ProfilesFile) ?? new ProfilesFile(null, null);
            return new Profiles { Current = file.Current, Items = new(file.Profiles ?? [], StringComparer.Ordinal) };
        }
        catch (JsonException ex)
        {
            throw new CliException($"{path} is not valid JSON ({ex.Message}). Fix or delete it.", ExitCodes.Configuration);
        }
    }

    public void Save(CliHost host)
    {
        Directory.CreateDirectory(host.ConfigDirectory);
        var path = FilePath(host);
        var json = JsonSerializer.Serialize(new ProfilesFile(Current, Items), CliJsonContext.Default.ProfilesFile);
        if (!OperatingSystem.IsWindows())
        {
            // Owner-only from the first byte: create the file with 0600, then write.
            using var stream = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.Create,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
            using var writer = new StreamWriter(stream);
            writer.Write(json);
            return;
        }
        File.WriteAllText(path, json);
    }

    /// <summary>The profile to use: <c>--profile</c>, else the current one, else the defaults (local server, key in SMART_API_KEY).</summary>
    public (string Name, Profile Profile) Resolve(string? requested)
    {
        var name = requested ?? Current;
        if (name is null)
        {
            return ("(default)", new Profile(DefaultUrl, DefaultKeyVariable, null));
        }
        return Items.TryGetValue(name, out var profile)
            ? (name, profile)
            : throw new CliException($"No profile named '{name}'. Create it with: smart profiles set {name} --url <url> --key-env <VAR>", ExitCodes.Configuration);
    }

    /// <summary>Reads the key of <paramref name="profile"/>: from its environment variable, or from its file after checking the file's permissions.</summary>
    public static string ReadKey(CliHost host, string name, Profile profile)
    {
        if (profile.KeyFile is { } file)
        {
            CheckKeyFile(file);
            var key = File.ReadAllText(file).Trim();
            return key.Length > 0 ? key : throw new CliException($"The key file {file} of profile '{name}' is empty.", ExitCodes.Configuration);
        }
        var variable = profile.KeyEnv ?? DefaultKeyVariable;
        return host.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value.Trim()
            : throw new CliException(
                $"No API key: set the environment variable {variable} (profile '{name}'), or use a profile with a key file: smart profiles set <name> --url <url> --key-file <path>.",
                ExitCodes.Configuration);
    }

    /// <summary>A key file must exist and be readable by its owner only (like ssh's private keys).</summary>
    public static void CheckKeyFile(string file)
    {
        if (!File.Exists(file))
        {
            throw new CliException($"The key file {file} does not exist.", ExitCodes.Configuration);
        }
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        var mode = File.GetUnixFileMode(file);
        const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        if ((mode & others) != 0)
        {
            throw new CliException(
                $"The key file {file} has permissions {Convert.ToString((int)mode, 8).PadLeft(4, '0')}: others may read it. Run: chmod 600 {file}",
                ExitCodes.Configuration);
        }
    }
}

/// <summary>A connection: the server URL and the key's source (exactly one of <see cref="KeyEnv"/> and <see cref="KeyFile"/>).</summary>
internal sealed record Profile(string Url, string? KeyEnv, string? KeyFile)
{
    public string KeySource => KeyFile is { } file ? "file " + file : "env " + (KeyEnv ?? Profiles.DefaultKeyVariable);
}

internal sealed record ProfilesFile(string? Current, Dictionary<string, Profile>? Profiles);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ProfilesFile))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
