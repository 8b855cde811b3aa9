using Spectre.Console;

namespace SmartApi.Cli;

/// <summary>
/// What one run of <c>smart</c> talks to: the console, the environment and the config directory.
/// The process passes the real ones; tests pass writers and a temporary directory, and run the
/// commands in-process.
/// </summary>
internal sealed class CliHost
{
    /// <summary>Human output: tables, progress, messages.</summary>
    public required IAnsiConsole Console { get; init; }

    /// <summary>Machine output (<c>--json</c>, event lines): written as is, never wrapped or coloured.</summary>
    public required TextWriter Out { get; init; }

    /// <summary>Errors and warnings.</summary>
    public required TextWriter Error { get; init; }

    public required Func<string, string?> GetEnvironmentVariable { get; init; }

    /// <summary>Where <c>config.json</c> (the profiles) lives.</summary>
    public required string ConfigDirectory { get; init; }

    /// <summary>The clock of the API client; tests may pass a fake one.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The HTTP handler of the API client; tests may pass one that breaks transfers.</summary>
    public HttpMessageHandler? Handler { get; init; }

    /// <summary>
    /// Called by <c>admin backup</c> once its snapshot is fixed and before it copies; tests use it to let the server
    /// commit more while the backup runs.
    /// </summary>
    public Func<CancellationToken, Task>? BackupSnapshotTaken { get; init; }

    public static CliHost FromProcess() => new()
    {
        Console = AnsiConsole.Console,
        Out = System.Console.Out,
        Error = System.Console.Error,
        GetEnvironmentVariable = Environment.GetEnvironmentVariable,
        ConfigDirectory = DefaultConfigDirectory(Environment.GetEnvironmentVariable),
    };

    /// <summary><c>$SMART_CONFIG_DIR</c>, else <c>$XDG_CONFIG_HOME/smart</c>, else <c>~/.config/smart</c>.</summary>
    public static string DefaultConfigDirectory(Func<string, string?> environment) =>
        environment("SMART_CONFIG_DIR") is { Length: > 0 } explicitDirectory
            ? explicitDirectory
            : Path.Combine(environment("XDG_CONFIG_HOME") is { Length: > 0 } xdg
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config"), "smart");
}
