using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace SmartApi.Cli.Commands;

/// <summary>Request bodies read from <c>--file</c>: a file that is not one is a usage error, not a crash.</summary>
internal static class JsonFiles
{
    public static async Task<T> ReadAsync<T>(FileInfo file, JsonTypeInfo<T> type, string what, CancellationToken cancellationToken)
    {
        try
        {
            return JsonSerializer.Deserialize(await File.ReadAllTextAsync(file.FullName, cancellationToken), type)
                ?? throw new CliException($"{file.FullName} holds null.", ExitCodes.Usage);
        }
        catch (JsonException ex)
        {
            throw new CliException($"{file.FullName} is not {what}: {ex.Message}", ExitCodes.Usage);
        }
        catch (IOException ex)
        {
            throw new CliException($"{file.FullName} cannot be read: {ex.Message}", ExitCodes.Usage);
        }
    }
}
