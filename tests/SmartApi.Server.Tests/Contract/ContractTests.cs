using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SmartApi.Contracts;
using SmartApi.Server.Events;
using SmartApi.Server.Mqtt;
using SmartApi.Server.Tests.Webhooks;
using SmartApi.Storage;
using SmartApi.Webhooks.Events;

namespace SmartApi.Server.Tests.Contract;

/// <summary>A server of its own, so the contract test's fixed device serial meets no other test's.</summary>
public sealed class ContractAppFixture : AppFixture
{
    protected override IDictionary<string, string?>? Settings => WebhookTestKit.AllowLoopback;
}

/// <summary>
/// The public contract, byte for byte: the OpenAPI document, <c>GET /v1/event-types</c>, and the webhook
/// request (body and stable headers) of every event type. Ids and times of the moment are replaced by
/// placeholders; everything else is compared exactly against Contract/Snapshots.
/// </summary>
public sealed partial class ContractTests(ContractAppFixture fixture) : IClassFixture<ContractAppFixture>
{
    private SmartApiApplication App => fixture.App;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Headers that differ on every request (signatures, ids, the receiver's address) or follow from the body.</summary>
    private static readonly HashSet<string> VaryingHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Content-Length", "X-Signature", "X-Event-Id", "X-Delivery-Id",
        "webhook-id", "webhook-timestamp", "webhook-signature", "traceparent", "tracestate",
    };

    private static readonly DateTimeOffset Fixed = new(2030, 1, 2, 3, 4, 5, 678, TimeSpan.Zero);

    [Fact]
    public async Task The_OpenAPI_document_is_unchanged()
    {
        var response = await App.CreateClient().GetAsync("/openapi/v1.json", Ct);
        response.EnsureSuccessStatusCode();
        // The servers entry is the address the test server happens to listen on.
        var document = (await response.Content.ReadAsStringAsync(Ct)).Replace(App.BaseAddress.ToString().TrimEnd('/'), "http://<server>", StringComparison.Ordinal);
        Snapshot.Match("openapi.v1.json", document);
    }

    [Fact]
    public async Task The_event_catalog_is_unchanged()
    {
        var (_, client) = await App.CreateTenantAsync("events:read");
        var response = await client.GetAsync("/v1/event-types", Ct);
        response.EnsureSuccessStatusCode();
        Snapshot.Match("event-types.json", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Webhook_requests_are_unchanged_as_a_receiver_gets_them()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (organizationId, client) = await App.CreateTenantAsync("devices:write", "events:read", "automations:read", "automations:write");
        var automation = await WebhookTestKit.CreateAutomationAsync(client, receiver.Url);
        var reports = App.Services.GetRequiredService<DeviceReports>();
        var received = new StringBuilder();

        async Task Expect(string type)
        {
            var request = await receiver.NextAsync();
            Assert.Equal(type, request.Header("X-Event-Type"));
            received.Append("### ").Append(type).Append('\n');
            foreach (var (name, value) in request.Headers.Where(h => !VaryingHeaders.Contains(h.Key)).OrderBy(h => h.Key.ToLowerInvariant(), StringComparer.Ordinal))
            {
                received.Append(name.ToLowerInvariant()).Append(": ").Append(UserAgentVersion().Replace(value, "SmartApi-Webhooks/<version>")).Append('\n');
            }
            received.Append('\n').Append(request.Text).Append("\n\n");
        }

        var device = await SmartApiApplication.CreateDeviceAsync(client, "DT31-C0NTRACT01", new() { ["room"] = "kitchen" });
        await Expect(WebhookEventTypes.DeviceCreated);
        await client.PatchJsonAsync($"/v1/devices/{device.Id}",
            """{"name":"Kettle","tags":{"room":"hall","floor":"1"},"settings":{"powerOnState":"off"}}""");
        await Expect(WebhookEventTypes.DeviceUpdated);
        var identity = new DeviceIdentity(device.Id, organizationId, device.Serial);
        Assert.True(await reports.ConnectedAsync(identity, Ct));
        await Expect(WebhookEventTypes.DeviceOnline);
        Assert.True(await reports.ApplyStateAsync(identity, "on", "button", null, null, Ct));
        await Expect(WebhookEventTypes.DeviceSwitched);
        Assert.True(await reports.ButtonPressedAsync(identity, "double", Ct));
        await Expect(WebhookEventTypes.DeviceButtonPressed);
        Assert.True(await reports.OverloadAsync(identity, "overpower", 2412.5, 2300, Ct));
        await Expect(WebhookEventTypes.DeviceOverload);
        Assert.True(await reports.WentAwayAsync(identity, Fixed, "keepalive_timeout", Ct));
        await Expect(WebhookEventTypes.DeviceOffline);
        (await client.PostAsync($"/v1/automations/{automation.Id}/test", null, Ct)).EnsureSuccessStatusCode();
        await Expect(WebhookEventTypes.AutomationTest);
        (await client.DeleteAsync($"/v1/devices/{device.Id}", Ct)).EnsureSuccessStatusCode();
        await Expect(WebhookEventTypes.DeviceDeleted);

        Snapshot.Match("webhook-requests.txt", Normalize(received.ToString()));
    }

    /// <summary>
    /// Every type of the catalog, built by the server's production path (its data through EventFactory,
    /// the store's composition of deviceId and sequence, the envelope writer) from fixed input.
    /// </summary>
    [Fact]
    public void Every_event_type_has_an_unchanged_body()
    {
        var time = new FakeTimeProvider(Fixed);
        var factory = new EventFactory(new IdGenerator(time), time);
        const string Org = "org_01JCONTRACT0000000000000000";
        const string Dev = "dev_01JCONTRACT0000000000000000";
        var at = new DateTimeOffset(2030, 1, 1, 10, 0, 0, TimeSpan.Zero);
        var bodies = new SortedDictionary<string, string>(StringComparer.Ordinal);

        void Add(string name, NewEvent created, long sequence = 7)
        {
            var data = EventData.Compose(created.DeviceId, created.DeviceId is null ? null : sequence, created.DataJson);
            var stored = new StoredEvent(42, created.Id, created.OrganizationId, created.Type, created.DeviceId, created.CreatedAt, data);
            bodies.Add(name, Encoding.UTF8.GetString(EventEnvelope.Serialize(stored)));
        }

        foreach (var (name, created) in CatalogSamples(factory, Org, Dev, at))
        {
            Add(name, created);
        }

        var covered = bodies.Keys.Select(k => k.Split(' ')[0]).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(WebhookEventTypes.All.Order(StringComparer.Ordinal), covered.Order(StringComparer.Ordinal));
        Assert.Equal(WebhookEventTypes.All.Order(StringComparer.Ordinal), EventCatalog.All.Select(e => e.Type).Order(StringComparer.Ordinal));
        Snapshot.Match("event-bodies.txt", Normalize(string.Concat(bodies.Select(b => $"### {b.Key}\n{b.Value}\n\n"))));
    }

    /// <summary>One or more samples per event type (name = type, then a variant), built as the server builds them.</summary>
    private static IEnumerable<(string Name, NewEvent Event)> CatalogSamples(EventFactory f, string org, string dev, DateTimeOffset at)
    {
        const long Next = EventFactory.AssignedOnAppend;
        const string Aut = "aut_01JCONTRACT0000000000000000";
        const string Cmd = "cmd_01JCONTRACT0000000000000000";
        var renamed = new Dictionary<string, WebhookFieldChange>(StringComparer.Ordinal)
        {
            ["name"] = new(JsonSerializer.SerializeToElement("Old", SmartApiJsonContext.Default.String)),
            ["tags"] = new(JsonSerializer.SerializeToElement<IReadOnlyDictionary<string, string>>(
                new Dictionary<string, string> { ["room"] = "kitchen" }, SmartApiJsonContext.Default.IReadOnlyDictionaryStringString)),
            ["settings.powerOnState"] = new(JsonSerializer.SerializeToElement("last", SmartApiJsonContext.Default.String)),
        };
        var none = new Dictionary<string, WebhookFieldChange>();
        yield return (WebhookEventTypes.DeviceCreated, f.Create(WebhookEventTypes.DeviceCreated, org,
            new DeviceChangedData(dev, Next, "DT31-000123", "Kettle \"big\" é", none)));
        yield return (WebhookEventTypes.DeviceUpdated, f.Create(WebhookEventTypes.DeviceUpdated, org,
            new DeviceChangedData(dev, Next, "DT31-000123", "Kettle", renamed)));
        yield return (WebhookEventTypes.DeviceDeleted, f.Create(WebhookEventTypes.DeviceDeleted, org,
            new DeviceChangedData(dev, Next, "DT31-000123", "Kettle", none)));
        yield return (WebhookEventTypes.DeviceErased, f.Create(WebhookEventTypes.DeviceErased, org,
            new DeviceErasedData(dev, Next, "era_01JCONTRACT0000000000000000", "key_01JCONTRACT0000000000000000")));
        yield return (WebhookEventTypes.DeviceCredentialsRotated, f.Create(WebhookEventTypes.DeviceCredentialsRotated, org,
            new DeviceCredentialsRotatedData(dev, Next, "DT31-000123", at, "key_01JCONTRACT0000000000000000")));
        yield return (WebhookEventTypes.DeviceOnline, f.Create(WebhookEventTypes.DeviceOnline, org,
            new DeviceConnectivityData(dev, Next, "connected", at.AddMilliseconds(120))));
        yield return (WebhookEventTypes.DeviceOffline, f.Create(WebhookEventTypes.DeviceOffline, org,
            new DeviceConnectivityData(dev, Next, "server_restart", at)));
        yield return (WebhookEventTypes.DeviceOffline + " without lastSeenAt", f.Create(WebhookEventTypes.DeviceOffline, org,
            new DeviceConnectivityData(dev, Next, "disconnected", null)));
        yield return (WebhookEventTypes.DeviceSwitched, f.Create(WebhookEventTypes.DeviceSwitched, org,
            new DeviceSwitchedData(dev, Next, "off", "on", "button", null)));
        yield return (WebhookEventTypes.DeviceSwitched + " by a command", f.Create(WebhookEventTypes.DeviceSwitched, org,
            new DeviceSwitchedData(dev, Next, "on", "unknown", "automation", Cmd)));
        yield return (WebhookEventTypes.DeviceButtonPressed, f.Create(WebhookEventTypes.DeviceButtonPressed, org,
            new DeviceButtonPressedData(dev, Next, "long")));
        yield return (WebhookEventTypes.DeviceOverload, f.Create(WebhookEventTypes.DeviceOverload, org,
            new DeviceOverloadData(dev, Next, "overcurrent", 16.25, 16)));
        yield return (WebhookEventTypes.PowerThresholdExceeded, f.Create(WebhookEventTypes.PowerThresholdExceeded, org,
            new PowerThresholdData(dev, Next, Aut, ">=", 1500, 1523.4, 30)));
        yield return (WebhookEventTypes.PowerThresholdCleared, f.Create(WebhookEventTypes.PowerThresholdCleared, org,
            new PowerThresholdData(dev, Next, Aut, "<", 0.5, 0.1, 0)));
        yield return (WebhookEventTypes.EnergyCounterReset, f.Create(WebhookEventTypes.EnergyCounterReset, org,
            new EnergyCounterResetData(dev, Next, 123456.789, 0)));
        yield return (WebhookEventTypes.EnergyReported, f.Create(WebhookEventTypes.EnergyReported, org,
            new EnergyReportedData(dev, Next, at, at.AddHours(1), Math.Round(1.0 / 3, 6))));
        yield return (WebhookEventTypes.BudgetExceeded, f.Create(WebhookEventTypes.BudgetExceeded, org,
            new BudgetExceededData("bud_01JCONTRACT0000000000000000", "Kitchen", null, "room:kitchen", "day", at, at.AddHours(23), 5000, 2.5, 5012.5, 1.87, "CHF")));
        yield return (WebhookEventTypes.BudgetExceeded + " of a device without tariffs", f.Create(WebhookEventTypes.BudgetExceeded, org,
            new BudgetExceededData("bud_01JCONTRACT0000000000000000", "Kettle", dev, null, "month", at, at.AddDays(31), 1000, null, 1000.5, null, null)));
        yield return (WebhookEventTypes.CommandSucceeded, f.Create(WebhookEventTypes.CommandSucceeded, org,
            new CommandData(dev, Next, Cmd, "switch", null)));
        yield return (WebhookEventTypes.CommandFailed, f.Create(WebhookEventTypes.CommandFailed, org,
            new CommandData(dev, Next, Cmd, "switch", "relay stuck")));
        yield return (WebhookEventTypes.CommandExpired, f.Create(WebhookEventTypes.CommandExpired, org,
            new CommandData(dev, Next, Cmd, "switch", null)));
        yield return (WebhookEventTypes.AutomationTest, f.Create(WebhookEventTypes.AutomationTest, org, new AutomationTestData(Aut)));
        yield return (WebhookEventTypes.AutomationDisabled, f.Create(WebhookEventTypes.AutomationDisabled, org, new AutomationDisabledData(Aut, "gone")));
        yield return (WebhookEventTypes.AutomationWebhookFailing, f.Create(WebhookEventTypes.AutomationWebhookFailing, org,
            new AutomationWebhookCircuitData(Aut, 0, 5, at.AddSeconds(30))));
        yield return (WebhookEventTypes.AutomationWebhookRecovered, f.Create(WebhookEventTypes.AutomationWebhookRecovered, org,
            new AutomationWebhookCircuitData(Aut, 0, 7, null)));
        yield return (WebhookEventTypes.AutomationScheduled, f.Create(WebhookEventTypes.AutomationScheduled, org,
            new AutomationScheduledData(Aut, at.AddMinutes(30), "30 10 * * 1-5", "Europe/Berlin")));
    }

    /// <summary>Ids become numbered placeholders (by first appearance) and timestamps of the moment become &lt;now&gt;; fixed inputs (2030) stay.</summary>
    private static string Normalize(string text)
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        text = GeneratedId().Replace(text, m =>
        {
            if (m.Value.Contains("CONTRACT", StringComparison.Ordinal))
            {
                return m.Value;
            }
            if (!seen.TryGetValue(m.Value, out var placeholder))
            {
                placeholder = $"{m.Groups[1].Value}_<{seen.Count(s => s.Value.StartsWith(m.Groups[1].Value + "_", StringComparison.Ordinal)) + 1}>";
                seen.Add(m.Value, placeholder);
            }
            return placeholder;
        });
        return Timestamp().Replace(text, m => m.Value.StartsWith("\"2030-", StringComparison.Ordinal) ? m.Value : "\"<now>\"");
    }

    [GeneratedRegex(@"\b(evt|dev|aut|dlv|cmd|org|run|key)_[0-9A-Za-z]{10,}")]
    private static partial Regex GeneratedId();

    [GeneratedRegex(@"""\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z""")]
    private static partial Regex Timestamp();

    [GeneratedRegex(@"SmartApi-Webhooks/[0-9.]+")]
    private static partial Regex UserAgentVersion();
}
