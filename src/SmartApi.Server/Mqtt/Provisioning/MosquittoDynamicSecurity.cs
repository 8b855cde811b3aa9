using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;
using SmartApi.Contracts;
using SmartApi.Server.Infrastructure;

namespace SmartApi.Server.Mqtt.Provisioning;

/// <summary>
/// Mosquitto's dynamic-security plugin, driven over MQTT: JSON commands published to
/// <c>$CONTROL/dynamic-security/v1</c>, answers read from its <c>/response</c> topic. Each device
/// gets a client named after its serial and a role <c>smartapi-device-{serial}</c> allowing
/// <c>devices/{serial}/#</c> only. Every job is idempotent, so a retry after a lost answer is safe.
/// </summary>
internal sealed partial class MosquittoDynamicSecurity(IOptions<MqttOptions> options, ILogger<MosquittoDynamicSecurity> logger) : IAsyncDisposable
{
    public const string ControlTopic = "$CONTROL/dynamic-security/v1";
    public const string ResponseTopic = ControlTopic + "/response";
    public const string RolePrefix = "smartapi-device-";
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(10);

    // Errors that mean "already as wanted": the account or role is absent before a (re)create or
    // after a delete. Only the two deletes may answer so; an upsert rebuilds the role from nothing
    // (its ACLs inside createRole), so no "already exists" answer is ever tolerated, and an error
    // text the plugin words differently fails the job visibly rather than hiding a wrong ACL.
    private static readonly HashSet<(string Command, string Error)> Tolerated =
    [
        ("deleteClient", "Client not found"),
        ("deleteRole", "Role not found"),
    ];

    private static readonly string[] AclTypes = ["publishClientSend", "publishClientReceive", "subscribePattern"];
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<JsonElement>> _pending = new(StringComparer.Ordinal);
    private IMqttClient? _client;

    /// <summary>
    /// Sets the serial's account to this password (deleting it first, which also ends a session
    /// still using the old one), or removes account and role when <paramref name="password"/> is null.
    /// </summary>
    public async Task ApplyAsync(string serial, string? password, CancellationToken cancellationToken)
    {
        var client = await ConnectedAsync(cancellationToken);
        var correlation = Guid.NewGuid().ToString("N");
        var role = RolePrefix + serial;
        var prefix = DeviceTopics.Root + serial + "/#";
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("commands");
            Command(json, "deleteClient", correlation, ("username", serial));
            Command(json, "deleteRole", correlation, ("rolename", role));
            if (password is not null)
            {
                // A fresh role with exactly its ACLs, whatever an earlier job or an operator left.
                Begin(json, "createRole", correlation);
                json.WriteString("rolename", role);
                json.WriteStartArray("acls");
                foreach (var acl in AclTypes)
                {
                    json.WriteStartObject();
                    json.WriteString("acltype", acl);
                    json.WriteString("topic", prefix);
                    json.WriteBoolean("allow", true);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteEndObject();
                Begin(json, "createClient", correlation);
                json.WriteString("username", serial);
                json.WriteString("password", password);
                json.WriteString("clientid", serial);
                json.WriteStartArray("roles");
                json.WriteStartObject();
                json.WriteString("rolename", role);
                json.WriteEndObject();
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        var responses = await SendAsync(client, correlation, buffer.ToArray(), cancellationToken);
        foreach (var response in responses.EnumerateArray())
        {
            var command = response.TryGetProperty("command", out var c) ? c.GetString() ?? "" : "";
            if (response.TryGetProperty("error", out var e) && e.GetString() is { } error && !Tolerated.Contains((command, error)))
            {
                throw new BrokerProvisioningException($"{command} for {serial}: {error}");
            }
        }
    }

    /// <summary>
    /// The accounts at the broker that follow this server's naming: the serials of the <c>smartapi-device-*</c>
    /// roles (<see cref="BrokerAccountListing.Managed"/>), and those of them whose client exists too
    /// (<see cref="BrokerAccountListing.Accounts"/>: a device with these can connect). Other clients, such as
    /// the server's own or an operator's, are not the server's and are left out.
    /// </summary>
    public async Task<BrokerAccountListing> ListAccountsAsync(CancellationToken cancellationToken)
    {
        var client = await ConnectedAsync(cancellationToken);
        var correlation = Guid.NewGuid().ToString("N");
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("commands");
            // Without "verbose" the plugin lists names only; without "count" it lists them all.
            Begin(json, "listClients", correlation);
            json.WriteEndObject();
            Begin(json, "listRoles", correlation);
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }
        var responses = await SendAsync(client, correlation, buffer.ToArray(), cancellationToken);
        var clients = new HashSet<string>(StringComparer.Ordinal);
        var managed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var response in responses.EnumerateArray())
        {
            var command = response.TryGetProperty("command", out var c) ? c.GetString() ?? "" : "";
            if (response.TryGetProperty("error", out var e) && e.GetString() is { } error)
            {
                throw new BrokerProvisioningException($"{command}: {error}");
            }
            var isClients = command == "listClients";
            if (!response.TryGetProperty("data", out var data) || !data.TryGetProperty(isClients ? "clients" : "roles", out var names)
                || names.ValueKind != JsonValueKind.Array)
            {
                throw new BrokerProvisioningException($"unexpected answer to {command} from the dynamic-security plugin");
            }
            foreach (var name in names.EnumerateArray())
            {
                if (name.ValueKind != JsonValueKind.String)
                {
                    continue;
                }
                var text = name.GetString()!;
                if (isClients)
                {
                    clients.Add(text);
                }
                else if (text.StartsWith(RolePrefix, StringComparison.Ordinal) && text.Length > RolePrefix.Length)
                {
                    managed.Add(text[RolePrefix.Length..]);
                }
            }
        }
        var accounts = new HashSet<string>(managed, StringComparer.Ordinal);
        accounts.IntersectWith(clients);
        return new BrokerAccountListing(managed, accounts);
    }

    /// <summary>Publishes one command list and waits for the plugin's answers to it (the <c>responses</c> array).</summary>
    private async Task<JsonElement> SendAsync(IMqttClient client, string correlation, byte[] payload, CancellationToken cancellationToken)
    {
        var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[correlation] = answer;
        try
        {
            var message = new MqttApplicationMessageBuilder().WithTopic(ControlTopic).WithPayload(payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
            var published = await client.PublishAsync(message, cancellationToken);
            if (!published.IsSuccess)
            {
                throw new BrokerProvisioningException($"the broker refused the control message ({published.ReasonCode}); does the server's account have the dynamic-security admin role?");
            }
            return await answer.Task.WaitAsync(AnswerTimeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new BrokerProvisioningException("no answer from the dynamic-security plugin within 10 s; is it loaded?");
        }
        finally
        {
            _pending.TryRemove(correlation, out _);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is { } client)
        {
            await client.TryDisconnectAsync();
            client.Dispose();
        }
        _connecting.Dispose();
    }

    private static void Command(Utf8JsonWriter json, string command, string correlation, (string Name, string Value) argument)
    {
        Begin(json, command, correlation);
        json.WriteString(argument.Name, argument.Value);
        json.WriteEndObject();
    }

    /// <summary>Opens one command object: its name and the correlation its answer carries back.</summary>
    private static void Begin(Utf8JsonWriter json, string command, string correlation)
    {
        json.WriteStartObject();
        json.WriteString("command", command);
        json.WriteString("correlationData", correlation);
    }

    private async Task<IMqttClient> ConnectedAsync(CancellationToken cancellationToken)
    {
        if (_client is { IsConnected: true } connected)
        {
            return connected;
        }
        await _connecting.WaitAsync(cancellationToken);
        try
        {
            if (_client is { IsConnected: true } raced)
            {
                return raced;
            }
            _client?.Dispose();
            var settings = options.Value;
            var uri = new Uri(settings.ExternalBroker!);
            var builder = settings.BrokerClientOptions("dynsec-");
            var client = new MqttClientFactory().CreateMqttClient();
            client.ApplicationMessageReceivedAsync += Received;
            await client.ConnectAsync(builder.Build(), cancellationToken);
            await client.SubscribeAsync(ResponseTopic, MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken);
            _client = client;
            Log.Connected(logger, uri.Authority);
            return client;
        }
        finally
        {
            _connecting.Release();
        }
    }

    private Task Received(MqttApplicationMessageReceivedEventArgs e)
    {
        try
        {
            using var document = JsonDocument.Parse(e.ApplicationMessage.Payload);
            if (document.RootElement.TryGetProperty("responses", out var responses) && responses.ValueKind == JsonValueKind.Array)
            {
                // Every command of a list carries the list's correlation; any answer that has it names the list.
                foreach (var response in responses.EnumerateArray())
                {
                    if (response.ValueKind == JsonValueKind.Object && response.TryGetProperty("correlationData", out var correlation)
                        && correlation.ValueKind == JsonValueKind.String && _pending.TryGetValue(correlation.GetString()!, out var answer))
                    {
                        answer.TrySetResult(responses.Clone());
                        break;
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not an answer of ours: another admin's, or garbage; the waiting job times out and is retried.
        }
        return Task.CompletedTask;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEvents.BrokerControlConnected, Level = LogLevel.Information, Message = "Connected to the dynamic-security control topic of {Broker}")]
        public static partial void Connected(ILogger logger, string broker);
    }
}

internal sealed class BrokerProvisioningException(string message) : Exception(message);

/// <param name="Managed">Serials with a <c>smartapi-device-</c> role at the broker: accounts this server made.</param>
/// <param name="Accounts">Those of them whose client exists as well.</param>
internal sealed record BrokerAccountListing(IReadOnlySet<string> Managed, IReadOnlySet<string> Accounts);
