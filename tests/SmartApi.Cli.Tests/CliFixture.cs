using System.Diagnostics;
using System.Net.Http.Json;
using SmartApi.Contracts;
using SmartApi.Server.Tests;
using Spectre.Console;

namespace SmartApi.Cli.Tests;

/// <summary>What one run of smart left behind.</summary>
public sealed record CliResult(int ExitCode, string Out, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- out ---\n{Out}\n--- err ---\n{Error}";
}

/// <summary>A real server on loopback, and smart run against it in-process or as a process.</summary>
public sealed class CliFixture : IAsyncLifetime
{
    public SmartApiApplication App { get; private set; } = null!;

    public async ValueTask InitializeAsync() =>
        App = await SmartApiApplication.StartAsync(new Dictionary<string, string?> { ["SmartApi:Webhooks:AllowPrivateNetworks"] = "true" });

    public async ValueTask DisposeAsync() => await App.DisposeAsync();

    /// <summary>A new organization and a key of <paramref name="scopes"/> in it.</summary>
    public async Task<string> TenantKeyAsync(params string[] scopes)
    {
        var response = await App.Admin.PostAsJsonAsync("/v1/organizations", new CreateOrganizationRequest("cli " + Guid.NewGuid().ToString("N")[..6]),
            SmartApiJsonContext.Default.CreateOrganizationRequest);
        var organization = (await response.Content.ReadFromJsonAsync(SmartApiJsonContext.Default.OrganizationResponse))!;
        return await App.CreateKeyAsync(scopes, organization.Id);
    }

    /// <summary>Runs smart in-process with a key in SMART_API_KEY and the server's URL in SMART_URL.</summary>
    public Task<CliResult> RunAsync(string? key, params string[] args) => RunAsync(new CliRun(key, Url: App.BaseAddress.ToString()), args);

    public static async Task<CliResult> RunAsync(CliRun run, params string[] args)
    {
        var output = new SyncWriter();
        var error = new SyncWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 250;
        var environment = new Dictionary<string, string?>(run.Environment ?? new Dictionary<string, string?>())
        {
            ["SMART_API_KEY"] = run.Key,
            ["SMART_URL"] = run.Url,
        };
        var host = new CliHost
        {
            Console = console,
            Out = output,
            Error = error,
            GetEnvironmentVariable = name => environment.GetValueOrDefault(name),
            ConfigDirectory = run.ConfigDirectory ?? Path.Combine(Path.GetTempPath(), "smart-cli-test-" + Guid.NewGuid().ToString("N")),
            Handler = run.Handler,
            BackupSnapshotTaken = run.BackupSnapshotTaken,
        };
        run.Attach?.Invoke(output, error);
        var exit = await SmartCli.RunAsync(args, host, run.CancellationToken);
        return new CliResult(exit, output.ToString(), error.ToString());
    }

    /// <summary>Runs the built smart as a separate process, the way a script would.</summary>
    public static async Task<CliResult> RunProcessAsync(IDictionary<string, string?> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "smart.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>Inputs of an in-process run.</summary>
public sealed record CliRun(string? Key, string? Url = null, string? ConfigDirectory = null, IDictionary<string, string?>? Environment = null,
    Action<SyncWriter, SyncWriter>? Attach = null)
{
    public CancellationToken CancellationToken { get; init; }

    /// <summary>The API client's HTTP handler, when a test needs to break transfers.</summary>
    public HttpMessageHandler? Handler { get; init; }

    /// <summary>Runs inside <c>admin backup</c> between its snapshot and its copy.</summary>
    public Func<CancellationToken, Task>? BackupSnapshotTaken { get; init; }
}

/// <summary>A StringWriter that a test may read while a command still writes to it.</summary>
public sealed class SyncWriter : StringWriter
{
    private readonly Lock _gate = new();

    public override void Write(char value)
    {
        lock (_gate)
        {
            base.Write(value);
        }
    }

    public override void Write(string? value)
    {
        lock (_gate)
        {
            base.Write(value);
        }
    }

    public override void Write(char[] buffer, int index, int count)
    {
        lock (_gate)
        {
            base.Write(buffer, index, count);
        }
    }

    public override void WriteLine(string? value)
    {
        lock (_gate)
        {
            base.WriteLine(value);
        }
    }

    public override string ToString()
    {
        lock (_gate)
        {
            return base.ToString();
        }
    }

    /// <summary>Waits until the text contains <paramref name="text"/> (at most 30 s).</summary>
    public async Task WaitForAsync(string text, CancellationToken cancellationToken)
    {
        for (var i = 0; i < 3000 && !ToString().Contains(text, StringComparison.Ordinal); i++)
        {
            await Task.Delay(10, cancellationToken);
        }
        Assert.Contains(text, ToString(), StringComparison.Ordinal);
    }
}

public abstract class CliTest(CliFixture fixture) : IClassFixture<CliFixture>
{
    protected CliFixture Fixture => fixture;
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;
}
