using System.Diagnostics;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace SmartApi.Webhooks.Tests.Snippets;

public enum SnippetLanguage
{
    Python,
    Node,
    Go,
}

/// <summary>What a snippet answered for one request: exit code 0 means the signature is valid.</summary>
public sealed record SnippetResult(int ExitCode, string Output, string Error)
{
    public bool IsValid => ExitCode == 0;

    public override string ToString() => $"exit {ExitCode}: {Output.Trim()} {Error.Trim()}";
}

/// <summary>
/// Runs the receiver snippets of docs/webhooks.md (verify.py, verify.js, verify.go in this folder) as
/// separate processes, one request each, passed as JSON on stdin the way their command-line mode reads it.
/// </summary>
internal static class SnippetRunner
{
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan GoBuildTimeout = TimeSpan.FromMinutes(3);

    // Non-ASCII stays raw UTF-8 on stdin, so the snippets' own decoding is exercised too.
    private static readonly JsonSerializerOptions InputOptions = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly Lazy<string> Root = new(FindRepositoryRoot);
    private static readonly Lazy<Task<string>> Python = new(ResolvePythonAsync);
    private static readonly Lazy<Task<string>> GoBinary = new(BuildGoSnippetAsync);

    // Enough to keep the cores busy (each run is mostly interpreter start-up), few enough to stay light.
    private static readonly SemaphoreSlim Slots = new(Environment.ProcessorCount * 2);

    /// <summary>The repository checkout: the source snippets are run and compared from there, not copied.</summary>
    public static string RepositoryRoot => Root.Value;

    public static string SnippetDirectory => Path.Combine(RepositoryRoot, "tests", "SmartApi.Webhooks.Tests", "Snippets");

    public static string FileName(SnippetLanguage language) => language switch
    {
        SnippetLanguage.Python => "verify.py",
        SnippetLanguage.Node => "verify.js",
        SnippetLanguage.Go => "verify.go",
        _ => throw new ArgumentOutOfRangeException(nameof(language)),
    };

    /// <summary>The full path of an executable on PATH, as <c>which</c> / <c>command -v</c> find it; null when absent.</summary>
    public static string? Which(string name)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate)
                && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0))
            {
                return candidate;
            }
        }
        return null;
    }

    /// <summary>Asks one snippet whether <paramref name="header"/> signs <paramref name="body"/> with <paramref name="secret"/> at <paramref name="now"/>.</summary>
    public static async Task<SnippetResult> VerifyAsync(
        SnippetLanguage language, string secret, string header, string body, long now, CancellationToken cancellationToken)
    {
        var input = JsonSerializer.Serialize(new { secret, header, body, now }, InputOptions);
        var (command, arguments) = language switch
        {
            SnippetLanguage.Python => (await Python.Value, new[] { "verify.py" }),
            SnippetLanguage.Node => (RequireOnPath("node"), new[] { "verify.js" }),
            SnippetLanguage.Go => (await GoBinary.Value, Array.Empty<string>()),
            _ => throw new ArgumentOutOfRangeException(nameof(language)),
        };
        await Slots.WaitAsync(cancellationToken);
        try
        {
            return await RunAsync(command, arguments, input, ProcessTimeout, cancellationToken);
        }
        finally
        {
            Slots.Release();
        }
    }

    private static string RequireOnPath(string name) =>
        Which(name) ?? throw new InvalidOperationException(
            $"'{name}' is not on PATH ({Environment.GetEnvironmentVariable("PATH")}). The tests run the documented receiver " +
            $"snippets with it: install {name} (CI machines have python3 and node).");

    /// <summary>
    /// The interpreter behind python3 on PATH. A pyenv shim is a shell script that costs a few hundred
    /// milliseconds per start, which adds up over the hundreds of runs here.
    /// </summary>
    private static async Task<string> ResolvePythonAsync()
    {
        var python3 = RequireOnPath("python3");
        var result = await RunAsync(python3, ["-c", "import sys; print(sys.executable)"], stdin: "", ProcessTimeout, CancellationToken.None);
        var executable = result.Output.Trim();
        return result.ExitCode == 0 && File.Exists(executable) ? executable : python3;
    }

    /// <summary>Compiles verify.go once per test run into the output folder (go run would compile per request).</summary>
    private static async Task<string> BuildGoSnippetAsync()
    {
        var go = RequireOnPath("go");
        var output = Path.Combine(AppContext.BaseDirectory, "snippets-go", OperatingSystem.IsWindows() ? "verify.exe" : "verify");
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        var result = await RunAsync(go, ["build", "-o", output, "verify.go"], stdin: "", GoBuildTimeout, CancellationToken.None);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"go build verify.go failed: {result}");
        }
        return output;
    }

    private static async Task<SnippetResult> RunAsync(
        string command, IEnumerable<string> arguments, string stdin, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(command)
        {
            WorkingDirectory = SnippetDirectory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardInputEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        // Never let go fetch a toolchain, nor python leave caches in the source tree.
        start.Environment["GOTOOLCHAIN"] = "local";
        start.Environment["PYTHONDONTWRITEBYTECODE"] = "1";

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {command}.");
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        var output = process.StandardOutput.ReadToEndAsync(limit.Token);
        var error = process.StandardError.ReadToEndAsync(limit.Token);
        try
        {
            await process.StandardInput.WriteAsync(stdin.AsMemory(), limit.Token);
            process.StandardInput.Close();
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            throw new TimeoutException($"{command} {string.Join(' ', arguments)} did not finish within {timeout}.");
        }
        return new SnippetResult(process.ExitCode, await output, await error);
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "SmartApi.slnx")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException($"No SmartApi.slnx above {AppContext.BaseDirectory}: the snippet tests run from a checkout.");
    }
}
