using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Net.Http.Headers;
using MQTTnet.Adapter;
using MQTTnet.Exceptions;
using SmartApi.Simulator;

namespace SmartApi.Cli.Commands;

/// <summary>
/// <c>smart simulate</c>: virtual DT31 devices over MQTT (src/SmartApi.Simulator) against the
/// profile's server, created through the API on first use and reused from a credentials file.
/// </summary>
internal static class SimulateCommands
{
    /// <summary>The embedded broker's default port (SmartApi:Mqtt:Port).</summary>
    private const int DefaultMqttPort = 1883;

    public static Command Create(CliHost host)
    {
        var devices = new Option<int>("--devices", "-n")
        {
            Description = "How many virtual devices to run (created through the API on first use; needs devices:write).",
            DefaultValueFactory = _ => 10,
        };
        devices.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 100_000)
            {
                result.AddError("--devices must be between 1 and 100000.");
            }
        });
        var mqtt = new Option<string?>("--mqtt")
        {
            Description = $"The MQTT broker, mqtt://host:port or mqtts://host:port; default: the server's host, port {DefaultMqttPort}.",
        };
        var interval = new Option<TimeSpan>("--interval")
        {
            Description = "Time between two telemetry samples of a device: 5s, 500ms, 1m (default 5s).",
            DefaultValueFactory = _ => TimeSpan.FromSeconds(5),
            CustomParser = ParseInterval,
        };
        var credentialsFile = new Option<string?>("--credentials-file")
        {
            Description = "Where the devices' MQTT credentials are kept between runs (0600); default: simulator-<host>-<port>.json in the config directory.",
        };
        var command = new Command("simulate",
            "Run virtual DT31 devices (kettle, fridge, washing machine, PC and lamp load profiles) over MQTT until Ctrl+C: "
            + "they report power, press buttons, trip on overload, obey switch commands and reconnect after a broker restart.")
            .With(devices, mqtt, interval, credentialsFile);
        return command.Runs(host, async (context, ct) =>
        {
            // Reading the client first checks the profile's URL and key the same way every command does.
            _ = context.Client;
            var server = new Uri(context.ServerUrl);
            var broker = BrokerUri(context.Parse.GetValue(mqtt), server);
            var file = context.Parse.GetValue(credentialsFile)
                ?? Path.Combine(host.ConfigDirectory, $"simulator-{server.Host}-{server.Port}.json");
            var options = new SimulatorOptions { Broker = broker, TelemetryInterval = context.Parse.GetValue(interval) };
            return await RunAsync(context, server, file, context.Parse.GetValue(devices), options, ct);
        });
    }

    private static async Task<int> RunAsync(CliContext context, Uri server, string file, int count, SimulatorOptions options, CancellationToken ct)
    {
        PrepareCredentialsFile(file);
        var profiles = Profiles.Load(context.Host);
        var (name, profile) = profiles.Resolve(context.Parse.GetValue(GlobalOptions.Profile));
        using var api = new HttpClient(new ProblemHandler { InnerHandler = new HttpClientHandler() })
        {
            BaseAddress = server,
            Timeout = TimeSpan.FromSeconds(30),
        };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Profiles.ReadKey(context.Host, name, profile));
        var credentials = await context.ProgressAsync($"Preparing {count} devices...",
            () => DeviceProvisioner.EnsureDevicesAsync(api, count, file, cancellationToken: ct));

        await using var fleet = new DeviceSimulator(credentials, options);
        await context.ProgressAsync($"Connecting to {options.Broker.GetLeftPart(UriPartial.Authority)}...", async () =>
        {
            await ConnectAsync(fleet, options.Broker, file, ct);
            return true;
        });
        await context.Host.Error.WriteLineAsync(
            $"{count} simulated devices connected to {options.Broker.GetLeftPart(UriPartial.Authority)} (credentials in {file}); telemetry every {options.TelemetryInterval.TotalSeconds:0.###} s. Ctrl+C stops.");

        var run = fleet.RunAsync(ct);
        await SimulationView.ShowAsync(context, fleet, options, run, ct);
        await run;
        // The fleet ends only when Ctrl+C cancels it: the documented end of a long-running command.
        ct.ThrowIfCancellationRequested();
        return ExitCodes.Success;
    }

    private static async Task ConnectAsync(DeviceSimulator fleet, Uri broker, string file, CancellationToken ct)
    {
        try
        {
            await fleet.ConnectAsync(cancellationToken: ct);
        }
        // MQTTnet 5's ConnectAsync returns a refused CONNACK instead of throwing; the device's subscribe then finds it not connected.
        catch (Exception refused) when (refused is MqttClientNotConnectedException
            || (refused is MqttConnectingFailedException && refused.Message.Contains("BadUserNameOrPassword", StringComparison.Ordinal)))
        {
            throw new CliException(
                $"The broker at {broker} did not accept a device's credentials: {file} holds devices this server does not know "
                + "(deleted, or created on another server or organization). Delete the file or pass another --credentials-file to create new devices.",
                ExitCodes.Configuration);
        }
        catch (Exception ex) when (ex is MqttCommunicationException or System.Net.Sockets.SocketException or MqttConnectingFailedException
            || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            throw new CliException(
                $"Cannot reach the MQTT broker at {broker}: {ex.Message} Is the server's embedded broker listening there (SmartApi:Mqtt:Port, default "
                + $"{DefaultMqttPort}), or is its broker elsewhere (--mqtt mqtt://host:port)?",
                ExitCodes.Unreachable);
        }
    }

    /// <summary>The credentials file holds MQTT passwords: created owner-only, and refused when others may read it.</summary>
    private static void PrepareCredentialsFile(string file)
    {
        if (!File.Exists(file))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
            if (OperatingSystem.IsWindows())
            {
                File.WriteAllText(file, "[]");
                return;
            }
            // 0600 from the first byte; the provisioner rewrites the file in place, which keeps the mode.
            using var stream = new FileStream(file, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
            stream.Write("[]"u8);
            return;
        }
        try
        {
            Profiles.CheckKeyFile(file);
        }
        catch (CliException insecure)
        {
            throw new CliException(insecure.Message.Replace("The key file", "The credentials file (MQTT passwords)", StringComparison.Ordinal), insecure.ExitCode);
        }
    }

    /// <summary>--mqtt as given, else the server's host on the embedded broker's default port.</summary>
    private static Uri BrokerUri(string? mqtt, Uri server)
    {
        if (mqtt is null)
        {
            return new Uri($"mqtt://{server.IdnHost}:{DefaultMqttPort}");
        }
        if (!Uri.TryCreate(mqtt, UriKind.Absolute, out var broker) || broker.Scheme is not ("mqtt" or "mqtts") || broker.Host.Length == 0)
        {
            throw new CliException($"--mqtt '{mqtt}' must look like mqtt://host:port or mqtts://host:port.", ExitCodes.Usage);
        }
        return broker.IsDefaultPort || broker.Port <= 0 ? new Uri($"{broker.Scheme}://{broker.IdnHost}:{DefaultMqttPort}") : broker;
    }

    /// <summary>5s, 500ms, 2m, 1h, a bare number of seconds, or a TimeSpan (00:00:05); between 100 ms and 1 h.</summary>
    internal static TimeSpan ParseInterval(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value.Trim() : "";
        var (number, unit) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.OrdinalIgnoreCase) => (text[..^2], 0.001),
            _ when text.EndsWith('s') || text.EndsWith('S') => (text[..^1], 1.0),
            _ when text.EndsWith('m') || text.EndsWith('M') => (text[..^1], 60.0),
            _ when text.EndsWith('h') || text.EndsWith('H') => (text[..^1], 3600.0),
            _ => (text, 1.0),
        };
        TimeSpan value;
        if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) && double.IsFinite(amount))
        {
            value = TimeSpan.FromSeconds(Math.Min(amount * unit, 86_400));
        }
        else if (!TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value))
        {
            result.AddError($"--interval '{text}' is not a duration: use 5s, 500ms, 1m.");
            return default;
        }
        if (value < TimeSpan.FromMilliseconds(100) || value > TimeSpan.FromHours(1))
        {
            result.AddError($"--interval must be between 100ms and 1h, not {text}.");
        }
        return value;
    }

    /// <summary>
    /// Turns the provisioner's non-2xx answers into <see cref="SmartApi.Client.SmartApiException"/>s, so a refused key or a
    /// missing devices:write scope ends with the same message and exit code as in every other command.
    /// </summary>
    private sealed class ProblemHandler : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return response;
            }
            using (response)
            {
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                string? code = null, title = null, detail = null;
                try
                {
                    using var problem = System.Text.Json.JsonDocument.Parse(text);
                    code = Text(problem.RootElement, "code");
                    title = Text(problem.RootElement, "title");
                    detail = Text(problem.RootElement, "detail");
                }
                catch (System.Text.Json.JsonException)
                {
                    detail = text.Length > 200 ? text[..200] : text;
                }
                throw new SmartApi.Client.SmartApiException(response.StatusCode, code ?? "http_" + (int)response.StatusCode, title ?? response.ReasonPhrase, detail);
            }
        }

        private static string? Text(System.Text.Json.JsonElement root, string name) =>
            root.ValueKind == System.Text.Json.JsonValueKind.Object && root.TryGetProperty(name, out var value)
                && value.ValueKind == System.Text.Json.JsonValueKind.String ? value.GetString() : null;
    }
}
