using System.CommandLine;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using SmartApi.Client;
using SmartApi.Webhooks;
using Spectre.Console;

namespace SmartApi.Cli.Commands;

/// <summary><c>smart webhooks verify|listen</c>: check a signature, and forward live events to a local app.</summary>
internal static class WebhookCommands
{
    public static Command Create(CliHost host)
    {
        var command = new Command("webhooks", "Work on webhook receivers: verify signatures, forward live events to a local app.");
        command.Subcommands.Add(Verify(host));
        command.Subcommands.Add(Listen(host));
        return command;
    }

    private static Command Verify(CliHost host)
    {
        var secret = new Option<string>("--secret") { Description = "The signing secret (whsec_...).", Required = true };
        var header = new Option<string>("--header") { Description = "The X-Signature header value (v=1;t=...;sig=...).", Required = true };
        var bodyFile = new Option<FileInfo>("--body-file") { Description = "The request body, byte for byte.", Required = true };
        var tolerance = new Option<int>("--tolerance") { Description = "Accepted age of the timestamp in seconds (default 300; 0 skips the check).", DefaultValueFactory = _ => 300 };
        return new Command("verify", "Check a webhook request's signature: exit 0 when valid, 1 with the reason when not.")
            .With(secret, header, bodyFile, tolerance).Runs(host, async (context, ct) =>
        {
            var file = context.Parse.GetValue(bodyFile)!;
            if (!file.Exists)
            {
                throw new CliException($"The body file {file.FullName} does not exist.", ExitCodes.Usage);
            }
            var body = await File.ReadAllBytesAsync(file.FullName, ct);
            WebhookSecret signingSecret;
            try
            {
                signingSecret = new WebhookSecret(context.Parse.GetValue(secret)!);
            }
            catch (ArgumentException ex)
            {
                throw new CliException("--secret: " + ex.Message, ExitCodes.Usage);
            }
            var seconds = context.Parse.GetValue(tolerance);
            if (seconds < 0)
            {
                // Read as "no limit" before, a typo (-300 for 300) silently turned the replay check off.
                throw new CliException($"--tolerance must be 0 or more seconds (0 skips the time check), not {seconds}.", ExitCodes.Usage);
            }
            var verifier = new WebhookVerifier(signingSecret, new WebhookVerifierOptions
            {
                Tolerance = seconds == 0 ? TimeSpan.FromDays(365 * 100) : TimeSpan.FromSeconds(seconds),
                TimeProvider = context.Host.Time,
            });
            var result = verifier.Verify(context.Parse.GetValue(header), body);
            if (context.Json)
            {
                await context.Host.Out.WriteLineAsync(JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["valid"] = result.IsValid,
                    ["reason"] = result.IsValid ? "" : result.Description,
                    ["timestamp"] = result.Timestamp,
                }, WebhookCliJson.Default.DictionaryStringObject));
            }
            else if (result.IsValid)
            {
                context.Success($"valid: signed at {CliContext.Time(DateTimeOffset.FromUnixTimeSeconds(result.Timestamp))}");
            }
            else
            {
                await context.Host.Error.WriteLineAsync("invalid: " + result.Description);
            }
            return result.IsValid ? ExitCodes.Success : ExitCodes.Failure;
        });
    }

    private static Command Listen(CliHost host)
    {
        var forwardTo = new Option<string>("--forward-to") { Description = "Your app's webhook URL, such as http://localhost:3000/hook.", Required = true };
        var events = EventCommands.Types();
        events.Aliases.Add("--events");
        var device = EventCommands.Device();
        var secret = new Option<string?>("--secret") { Description = "Sign with this whsec_ secret instead of a new one (keeps your app's configuration across runs)." };
        var standard = new Option<bool>("--standard-webhooks") { Description = "Also send the Standard Webhooks headers." };
        return new Command("listen", "Subscribe to the live stream and POST each event, signed like a real webhook, to a local app.")
            .With(forwardTo, events, device, secret, standard).Runs(host, async (context, ct) =>
        {
            if (!Uri.TryCreate(context.Parse.GetValue(forwardTo), UriKind.Absolute, out var target) || target.Scheme is not ("http" or "https"))
            {
                throw new CliException($"--forward-to '{context.Parse.GetValue(forwardTo)}' must be an http(s) URL.", ExitCodes.Usage);
            }
            WebhookSecret signingSecret;
            try
            {
                signingSecret = context.Parse.GetValue(secret) is { } given ? new WebhookSecret(given) : WebhookSecret.Generate();
            }
            catch (ArgumentException ex)
            {
                throw new CliException("--secret: " + ex.Message, ExitCodes.Usage);
            }
            var signer = new WebhookSigner(signingSecret, context.Host.Time);
            var withStandard = context.Parse.GetValue(standard);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            http.DefaultRequestHeaders.UserAgent.ParseAdd("SmartApi-Cli/" + typeof(WebhookCommands).Assembly.GetName().Version?.ToString(3));

            // The secret is this session's local signing secret, not the API key: the app needs it to verify.
            await context.Host.Out.WriteLineAsync($"Signing secret: {signingSecret.Value}");
            await context.Host.Out.FlushAsync(ct);
            var options = new EventStreamOptions
            {
                Types = ListOptions.SplitList(context.Parse.GetValue(events)),
                DeviceId = context.Parse.GetValue(device),
                Connected = () => context.Host.Error.WriteLine($"Ready: forwarding events from {context.ServerUrl} to {target} (Ctrl+C to stop)."),
                Disconnected = cause => context.Host.Error.WriteLine($"Connection lost ({cause?.Message ?? "closed"}); reconnecting..."),
            };
            var attempt = 0;
            await foreach (var e in context.Client.Events.StreamAsync(options, ct))
            {
                var body = Encoding.UTF8.GetBytes(e.Json);
                using var request = new HttpRequestMessage(HttpMethod.Post, target) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
                var deliveryId = "local_" + (++attempt).ToString(System.Globalization.CultureInfo.InvariantCulture);
                request.Headers.Add(WebhookHeaders.Signature, signer.CreateSignatureHeader(body));
                request.Headers.Add(WebhookHeaders.EventId, e.Id);
                request.Headers.Add(WebhookHeaders.EventType, e.Type);
                request.Headers.Add(WebhookHeaders.DeliveryId, deliveryId);
                request.Headers.Add(WebhookHeaders.DeliveryAttempt, "1");
                if (withStandard)
                {
                    var standardHeaders = signer.CreateStandardWebhookHeaders(e.Id, body);
                    request.Headers.Add(WebhookHeaders.StandardWebhookId, standardHeaders.Id);
                    request.Headers.Add(WebhookHeaders.StandardWebhookTimestamp, standardHeaders.Timestamp);
                    request.Headers.Add(WebhookHeaders.StandardWebhookSignature, standardHeaders.Signature);
                }
                var started = Stopwatch.GetTimestamp();
                string outcome;
                int? status = null;
                try
                {
                    using var response = await http.SendAsync(request, ct);
                    status = (int)response.StatusCode;
                    outcome = $"{status} {response.ReasonPhrase}";
                }
                catch (HttpRequestException ex)
                {
                    outcome = "error: " + ex.Message;
                }
                catch (TaskCanceledException) when (!ct.IsCancellationRequested)
                {
                    outcome = "error: no answer within 10 s";
                }
                var elapsed = (int)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (context.Json)
                {
                    await context.Host.Out.WriteLineAsync(JsonSerializer.Serialize(new Dictionary<string, object>
                    {
                        ["eventId"] = e.Id,
                        ["type"] = e.Type,
                        ["status"] = status ?? 0,
                        ["outcome"] = outcome,
                        ["durationMs"] = elapsed,
                    }, WebhookCliJson.Default.DictionaryStringObject));
                    await context.Host.Out.FlushAsync(ct);
                }
                else
                {
                    var color = status is >= 200 and < 300 ? "green" : "red";
                    context.Console.MarkupLine($"{CliContext.Time(context.Host.Time.GetUtcNow())}  {Markup.Escape(e.Type)}  {e.Id}  -> [{color}]{Markup.Escape(outcome)}[/] ({elapsed} ms)");
                }
            }
            return ExitCodes.Success;
        });
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, object>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(bool))]
[System.Text.Json.Serialization.JsonSerializable(typeof(long))]
[System.Text.Json.Serialization.JsonSerializable(typeof(int))]
[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class WebhookCliJson : System.Text.Json.Serialization.JsonSerializerContext;
