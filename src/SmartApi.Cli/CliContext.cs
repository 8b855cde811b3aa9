using System.CommandLine;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using SmartApi.Client;
using Spectre.Console;

namespace SmartApi.Cli;

/// <summary>One command's run: its parse result, the API client of the chosen profile, and output helpers.</summary>
internal sealed class CliContext(CliHost host, ParseResult parse) : IDisposable
{
    private SmartApiClient? _client;
    private string? _url;

    public CliHost Host => host;
    public ParseResult Parse => parse;
    public bool Json => parse.GetValue(GlobalOptions.Json);
    public IAnsiConsole Console => host.Console;

    /// <summary>The client of the selected profile; the key is read here and never printed.</summary>
    public SmartApiClient Client
    {
        get
        {
            if (_client is null)
            {
                var profiles = Profiles.Load(host);
                var (name, profile) = profiles.Resolve(parse.GetValue(GlobalOptions.Profile));
                _url = parse.GetValue(GlobalOptions.Url) ?? host.GetEnvironmentVariable("SMART_URL") ?? profile.Url;
                if (!Uri.TryCreate(_url, UriKind.Absolute, out var baseAddress) || baseAddress.Scheme is not ("http" or "https"))
                {
                    throw new CliException($"'{_url}' is not an http(s) URL (profile '{name}').", ExitCodes.Configuration);
                }
                _client = new SmartApiClient(new SmartApiClientOptions
                {
                    BaseAddress = baseAddress,
                    ApiKey = Profiles.ReadKey(host, name, profile),
                    TimeProvider = host.Time,
                }, host.Handler);
            }
            return _client;
        }
    }

    public string ServerUrl => _url ?? "the server";

    public void Dispose() => _client?.Dispose();

    /// <summary>Writes a value as indented JSON through the shared contract context.</summary>
    public void WriteJson<T>(T value, JsonTypeInfo<T> typeInfo)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            JsonSerializer.Serialize(writer, value, typeInfo);
        }
        host.Out.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    /// <summary>Writes items as one indented JSON array.</summary>
    public void WriteJsonArray<T>(IEnumerable<T> items, JsonTypeInfo<T> typeInfo)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartArray();
            foreach (var item in items)
            {
                JsonSerializer.Serialize(writer, item, typeInfo);
            }
            writer.WriteEndArray();
        }
        host.Out.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    /// <summary>Collects up to <paramref name="limit"/> items of a list (all with null), with a spinner on interactive consoles.</summary>
    public Task<List<T>> CollectAsync<T>(string what, IAsyncEnumerable<T> items, int? limit, CancellationToken cancellationToken) =>
        ProgressAsync($"Fetching {what}...", async () =>
        {
            var list = new List<T>();
            await foreach (var item in items.WithCancellation(cancellationToken))
            {
                list.Add(item);
                if (list.Count >= limit)
                {
                    break;
                }
            }
            return list;
        });

    /// <summary>Shows a spinner while <paramref name="work"/> runs, only on an interactive terminal and never with --json, so scripts get clean output.</summary>
    public async Task<T> ProgressAsync<T>(string message, Func<Task<T>> work)
    {
        if (Json || !Console.Profile.Capabilities.Interactive)
        {
            return await work();
        }
        return await Console.Status().StartAsync(message, _ => work());
    }

    public void Success(string message) => Console.MarkupLine("[green]" + Markup.Escape(message) + "[/]");

    public void Info(string message) => Console.MarkupLine(Markup.Escape(message));

    public static string Time(DateTimeOffset? at) =>
        at?.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture) ?? "-";

    /// <summary>Turns any failure into a message on stderr and the documented exit code.</summary>
    public int Fail(Exception exception)
    {
        var (code, message) = exception switch
        {
            CliException cli => (cli.ExitCode, cli.Message),
            SmartApiException { StatusCode: HttpStatusCode.Unauthorized } api =>
                (ExitCodes.Unauthorized, $"The server refused the API key: {Sentence(api.Detail ?? api.Title)} Check the key of the profile (smart profiles list)."),
            SmartApiException { StatusCode: HttpStatusCode.Forbidden } api =>
                (ExitCodes.Unauthorized, $"Not allowed ({api.Code}): {Sentence(api.Detail ?? api.Title)} Create a key with the needed scope (smart api-keys create)."),
            SmartApiException { StatusCode: HttpStatusCode.NotFound } api => (ExitCodes.NotFound, api.Detail ?? "Not found."),
            SmartApiException { StatusCode: >= HttpStatusCode.InternalServerError } api =>
                (ExitCodes.ServerError, $"The server failed ({(int)api.StatusCode} {api.Code}): {api.Detail ?? api.Title}"),
            SmartApiException api => (ExitCodes.Rejected, Describe(api)),
            HttpRequestException http =>
                (ExitCodes.Unreachable, $"Cannot reach {ServerUrl}: {http.Message} Is the server running, and is the profile's URL right (smart profiles list, --url)?"),
            TimeoutException timeout => (ExitCodes.Unreachable, $"{ServerUrl} did not answer in time: {timeout.Message}"),
            _ => (ExitCodes.Failure, $"Unexpected error: {exception.Message}"),
        };
        host.Error.WriteLine("error: " + message);
        return code;
    }

    /// <summary>Ends the server's text with one period, whether or not it had one, before the hint that follows.</summary>
    private static string Sentence(string? text) => text is null ? "" : text.TrimEnd().TrimEnd('.') + ".";

    private static string Describe(SmartApiException api)
    {
        var text = new StringBuilder($"{api.Detail ?? api.Title} ({(int)api.StatusCode} {api.Code})");
        foreach (var (field, messages) in api.Errors)
        {
            foreach (var message in messages)
            {
                text.Append(Environment.NewLine).Append("  ").Append(field).Append(": ").Append(message);
            }
        }
        return text.ToString();
    }
}

/// <summary>Options every command accepts.</summary>
internal static class GlobalOptions
{
    public static readonly Option<string?> Profile = new("--profile", "-p")
    {
        Description = "The profile to use (see smart profiles list); default: the current profile.",
        Recursive = true,
    };

    public static readonly Option<string?> Url = new("--url")
    {
        Description = "The server URL, overriding the profile's (also SMART_URL).",
        Recursive = true,
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print JSON for scripts instead of tables.",
        Recursive = true,
    };
}
