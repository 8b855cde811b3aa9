using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using SmartApi.Contracts;
using SmartApi.Webhooks;
using StandardWebhooks;
using static SmartApi.Server.Tests.Webhooks.WebhookTestKit;

namespace SmartApi.Server.Tests.Webhooks;

public class WebhookAppFixture : AppFixture
{
    protected override IDictionary<string, string?>? Settings => AllowLoopback;
}

public sealed class PostgresWebhookAppFixture : WebhookAppFixture
{
    protected override string Provider => "postgres";
}

public class WebhookDeliveryTests(WebhookAppFixture fixture) : IClassFixture<WebhookAppFixture>
{
    private SmartApiApplication App => fixture.App;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task All_events_are_delivered_signed_with_the_envelope()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (_, client) = await App.CreateTenantAsync("devices:write", "events:read", "automations:read", "automations:write");
        var automation = await CreateAutomationAsync(client, receiver.Url);
        var secret = automation.Actions[0].Secret!;
        Assert.StartsWith("whsec_", secret);

        var device = await SmartApiApplication.CreateDeviceAsync(client);
        var request = await receiver.NextAsync();

        Assert.Equal("device.created", request.Header("X-Event-Type"));
        Assert.StartsWith("SmartApi-Webhooks/", request.Header("User-Agent"));
        Assert.StartsWith("application/json", request.Header("Content-Type"));
        Assert.Equal("1", request.Header("X-Delivery-Attempt"));
        Assert.StartsWith("dlv_", request.Header("X-Delivery-Id"));
        Assert.Matches(@"^v=1;t=\d+;sig=[0-9a-f]{64}$", request.Header("X-Signature"));
        Assert.True(SignatureMatches(request.Header("X-Signature"), secret, request.Body), "independent HMAC check");
        var verifier = new WebhookVerifier(new WebhookSecret(secret));
        Assert.True(verifier.Verify(request.Header("X-Signature"), request.Body).IsValid);
        Assert.False(request.Headers.ContainsKey("webhook-signature"));

        // The body is exactly the envelope GET /v1/events/{id} answers.
        var eventId = request.Header("X-Event-Id");
        var fromApi = await (await client.GetAsync($"/v1/events/{eventId}", Ct)).Content.ReadAsStringAsync(Ct);
        Assert.Equal(fromApi, request.Text);
        var envelope = JsonDocument.Parse(request.Body).RootElement;
        Assert.Equal(device.Id, envelope.GetProperty("data").GetProperty("deviceId").GetString());

        var delivery = await DeliveryWhenAsync(client, request.Header("X-Delivery-Id"), d => d.Status == "succeeded");
        var attempt = Assert.Single(delivery.Attempts!);
        Assert.Equal(200, attempt.StatusCode);
        Assert.Equal("ok", attempt.ResponseBody);
        Assert.Equal(receiver.Url.ToString(), delivery.Url);
        Assert.Null(delivery.NextAttemptAt);
    }

    [Fact]
    public async Task Only_selected_types_and_devices_are_delivered()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (_, client) = await App.CreateTenantAsync("devices:write", "automations:read", "automations:write");
        var watched = await SmartApiApplication.CreateDeviceAsync(client);
        var other = await SmartApiApplication.CreateDeviceAsync(client);
        await CreateAutomationAsync(client, receiver.Url, "\"device.updated\"", $"\"{watched.Id}\"");

        await client.PatchJsonAsync($"/v1/devices/{other.Id}", """{"name":"not watched"}""");
        await client.PatchJsonAsync($"/v1/devices/{watched.Id}", """{"name":"watched"}""");
        await SmartApiApplication.CreateDeviceAsync(client);

        var request = await receiver.NextAsync();
        Assert.Equal("device.updated", request.Header("X-Event-Type"));
        Assert.Contains(watched.Id, request.Text, StringComparison.Ordinal);
        Assert.False(await receiver.AnyWithinAsync(TimeSpan.FromMilliseconds(300)));
    }

    [Fact]
    public async Task Test_event_goes_to_that_automation_only()
    {
        await using var first = await WebhookReceiver.StartAsync();
        await using var second = await WebhookReceiver.StartAsync();
        var (_, client) = await App.CreateTenantAsync("automations:read", "automations:write");
        var tested = await CreateAutomationAsync(client, first.Url);
        await CreateAutomationAsync(client, second.Url);

        var response = await client.PostAsync($"/v1/automations/{tested.Id}/test", null, Ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var test = await response.ReadAsync(SmartApiJsonContext.Default.AutomationTestResponse);
        Assert.Equal("automation.test", test.Event.Type);
        Assert.Single(test.DeliveryIds);

        var request = await first.NextAsync();
        Assert.Equal(test.Event.Id, request.Header("X-Event-Id"));
        Assert.Equal(tested.Id, JsonDocument.Parse(request.Body).RootElement.GetProperty("data").GetProperty("automationId").GetString());
        Assert.False(await second.AnyWithinAsync(TimeSpan.FromMilliseconds(300)));
    }

    [Fact]
    public async Task Rotation_signs_with_the_old_and_the_new_secret()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (_, client) = await App.CreateTenantAsync("automations:read", "automations:write");
        var automation = await CreateAutomationAsync(client, receiver.Url);
        var oldSecret = automation.Actions[0].Secret!;

        var rotated = await (await client.PostAsync($"/v1/automations/{automation.Id}/rotate-secret", null, Ct)).ReadAsync(SmartApiJsonContext.Default.RotateSecretResponse);
        Assert.NotEqual(oldSecret, rotated.Secret);
        Assert.InRange(rotated.PreviousSecretsExpireAt - DateTimeOffset.UtcNow, TimeSpan.FromHours(23.9), TimeSpan.FromHours(24.1));

        await client.PostAsync($"/v1/automations/{automation.Id}/test", null, Ct);
        var request = await receiver.NextAsync();
        var header = request.Header("X-Signature");
        Assert.Equal(2, header.Split(";sig=").Length - 1);
        Assert.True(SignatureMatches(header, oldSecret, request.Body));
        Assert.True(SignatureMatches(header, rotated.Secret, request.Body));
        Assert.True(new WebhookVerifier(new WebhookSecret(rotated.Secret)).Verify(header, request.Body).IsValid);

        var fetched = await (await client.GetAsync($"/v1/automations/{automation.Id}", Ct)).Content.ReadAsStringAsync(Ct);
        Assert.DoesNotContain("whsec_", fetched, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Standard_webhooks_headers_verify_with_the_standard_library()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (_, client) = await App.CreateTenantAsync("automations:read", "automations:write");
        var automation = await CreateAutomationAsync(client, receiver.Url, extra: ""","standardWebhooks":true,"headers":{"Authorization":"Bearer erp-token"}""");
        await client.PostAsync($"/v1/automations/{automation.Id}/test", null, Ct);
        var request = await receiver.NextAsync();

        Assert.Equal(request.Header("X-Event-Id"), request.Header("webhook-id"));
        Assert.Equal("Bearer erp-token", request.Header("Authorization"));
        var headers = new HeaderDictionary
        {
            ["webhook-id"] = request.Header("webhook-id"),
            ["webhook-timestamp"] = request.Header("webhook-timestamp"),
            ["webhook-signature"] = request.Header("webhook-signature"),
        };
        new StandardWebhook(automation.Actions[0].Secret!).Verify(request.Text, headers);
        Assert.True(SignatureMatches(request.Header("X-Signature"), automation.Actions[0].Secret!, request.Body));
    }

    [Fact]
    public async Task Gone_disables_the_webhook_and_emits_automation_disabled()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = (_, context) =>
        {
            context.Response.StatusCode = 410;
            return Task.CompletedTask;
        };
        await using var watcher = await WebhookReceiver.StartAsync();
        var (_, client) = await App.CreateTenantAsync("events:read", "automations:read", "automations:write");
        var gone = await CreateAutomationAsync(client, receiver.Url);
        await CreateAutomationAsync(client, watcher.Url, "\"automation.disabled\"");

        await client.PostAsync($"/v1/automations/{gone.Id}/test", null, Ct);
        await receiver.NextAsync();
        var notice = await watcher.NextAsync();
        Assert.Equal("automation.disabled", notice.Header("X-Event-Type"));
        var data = JsonDocument.Parse(notice.Body).RootElement.GetProperty("data");
        Assert.Equal((gone.Id, "gone"), (data.GetProperty("automationId").GetString(), data.GetProperty("reason").GetString()));

        var automation = await (await client.GetAsync($"/v1/automations/{gone.Id}", Ct)).ReadAsync(SmartApiJsonContext.Default.AutomationResponse);
        Assert.Equal(("disabled", "gone"), (automation.Actions[0].Status, automation.Actions[0].DisabledReason));
        var delivery = await OnlyDeliveryAsync(client, gone.Id);
        Assert.Equal("failed", delivery.Status);

        // Nothing more is sent to it; saving the action again turns it back on.
        await client.PostAsync($"/v1/automations/{gone.Id}/test", null, Ct);
        Assert.False(await receiver.AnyWithinAsync(TimeSpan.FromMilliseconds(300)));
        var patched = await client.PatchJsonAsync($"/v1/automations/{gone.Id}", $$"""{"actions":[{"type":"webhook","url":"{{receiver.Url}}"}]}""");
        var enabled = await patched.ReadAsync(SmartApiJsonContext.Default.AutomationResponse);
        Assert.Equal("active", enabled.Actions[0].Status);
    }

    [Fact]
    public async Task A_delivery_can_be_retried_by_hand()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (_, client) = await App.CreateTenantAsync("automations:read", "automations:write");
        var automation = await CreateAutomationAsync(client, receiver.Url);
        await client.PostAsync($"/v1/automations/{automation.Id}/test", null, Ct);
        var first = await receiver.NextAsync();
        var id = first.Header("X-Delivery-Id");
        await DeliveryWhenAsync(client, id, d => d.Status == "succeeded");

        var retried = await client.PostAsync($"/v1/deliveries/{id}/retry", null, Ct);
        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        var again = await receiver.NextAsync();
        Assert.Equal(first.Header("X-Event-Id"), again.Header("X-Event-Id"));
        Assert.Equal("2", again.Header("X-Delivery-Attempt"));
        var delivery = await DeliveryWhenAsync(client, id, d => d.Attempts!.Count == 2 && d.Status == "succeeded");
        Assert.Equal([1, 2], delivery.Attempts!.Select(a => a.Number));
    }
}
