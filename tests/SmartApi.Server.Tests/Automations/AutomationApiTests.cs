using System.Net;
using SmartApi.Contracts;
using static SmartApi.Server.Tests.Webhooks.WebhookTestKit;

namespace SmartApi.Server.Tests.Automations;

public sealed class AutomationApiTests(Webhooks.WebhookAppFixture fixture) : IClassFixture<Webhooks.WebhookAppFixture>
{
    private SmartApiApplication App => fixture.App;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string Url = "http://127.0.0.1:9/hook";

    [Fact]
    public async Task Create_get_list_patch_and_delete()
    {
        var (organizationId, client) = await App.CreateTenantAsync("devices:write", "automations:read", "automations:write");
        var device = await SmartApiApplication.CreateDeviceAsync(client);
        var response = await client.PostJsonAsync("/v1/automations", $$"""
            {"name":"Forward to ERP","enabled":true,"trigger":{"events":["device.switched","device.online"],"deviceIds":["{{device.Id}}"]},
             "conditions":[],"actions":[{"type":"webhook","url":"{{Url}}","headers":{"Authorization":"Bearer x"},"ordered":true}]}
            """);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.ReadAsync(SmartApiJsonContext.Default.AutomationResponse);
        Assert.StartsWith("aut_", created.Id);
        Assert.Equal(organizationId, created.OrganizationId);
        Assert.Equal($"/v1/automations/{created.Id}", response.Headers.Location?.ToString());
        Assert.Equal(["device.switched", "device.online"], created.Trigger.Events);
        Assert.Equal([device.Id], created.Trigger.DeviceIds);
        var action = Assert.Single(created.Actions);
        Assert.Equal(("webhook", Url, true, "active"), (action.Type, action.Url, action.Ordered, action.Status));
        Assert.Equal("***", action.Headers!["Authorization"]); // stored encrypted, never shown again
        Assert.StartsWith("whsec_", action.Secret);

        var fetched = await (await client.GetAsync($"/v1/automations/{created.Id}", Ct)).ReadAsync(SmartApiJsonContext.Default.AutomationResponse);
        Assert.Null(fetched.Actions[0].Secret);
        var list = await (await client.GetAsync("/v1/automations", Ct)).ReadAsync(SmartApiJsonContext.Default.PageAutomationResponse);
        Assert.Equal([created.Id], list.Data.Select(a => a.Id));

        var patched = await (await client.PatchJsonAsync($"/v1/automations/{created.Id}", """{"name":"Renamed","enabled":false}"""))
            .ReadAsync(SmartApiJsonContext.Default.AutomationResponse);
        Assert.Equal(("Renamed", false), (patched.Name, patched.Enabled));
        Assert.Equal(created.Trigger.Events, patched.Trigger.Events);
        Assert.Equal(Url, patched.Actions[0].Url);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/automations/{created.Id}", Ct)).StatusCode);
        await (await client.GetAsync($"/v1/automations/{created.Id}", Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Theory]
    [InlineData("""{"trigger":{"events":["*"]},"actions":[{"type":"webhook","url":"URL"}]}""", "name")]
    [InlineData("""{"name":"x","actions":[{"type":"webhook","url":"URL"}]}""", "trigger")]
    [InlineData("""{"name":"x","trigger":{"events":[]},"actions":[{"type":"webhook","url":"URL"}]}""", "trigger.events")]
    [InlineData("""{"name":"x","trigger":{"events":["device.exploded"]},"actions":[{"type":"webhook","url":"URL"}]}""", "trigger.events")]
    [InlineData("""{"name":"x","trigger":{"events":["*","device.online"]},"actions":[{"type":"webhook","url":"URL"}]}""", "trigger.events")]
    [InlineData("""{"name":"x","trigger":{"events":["*"],"deviceIds":["dev_01M8BQWSSN0C43SSNM7Z9ZPGRB"]},"actions":[{"type":"webhook","url":"URL"}]}""", "trigger.deviceIds")]
    [InlineData("""{"name":"x","trigger":{"events":["*"]},"actions":[]}""", "actions")]
    [InlineData("""{"name":"x","trigger":{"events":["*"]}}""", "actions")]
    [InlineData("""{"name":"x","trigger":{"events":["*"]},"actions":[{"type":"email"}]}""", "actions[0].type")]
    [InlineData("""{"name":"x","trigger":{"events":["*"]},"actions":[{"type":"webhook","url":"not a url"}]}""", "actions[0].url")]
    [InlineData("""{"name":"x","trigger":{"events":["*"]},"actions":[{"type":"webhook","url":"URL","headers":{"X-Signature":"forged"}}]}""", "actions[0].headers")]
    [InlineData("""{"name":"x","trigger":{"events":["*"]},"actions":[{"type":"webhook","url":"URL","headers":{"X-Event-Id":"1"}}]}""", "actions[0].headers")]
    [InlineData("""{"name":"x","trigger":{"events":["*"]},"actions":[{"type":"webhook","url":"URL","headers":{"Bad Name":"1"}}]}""", "actions[0].headers")]
    [InlineData("""{"name":"x","trigger":{"schedule":{"cron":"0 25 * * 1-5","timeZone":"Europe/Zurich"}},"actions":[{"type":"webhook","url":"URL"}]}""", "trigger.schedule.cron")]
    [InlineData("""{"name":"x","trigger":{"events":["*"]},"actions":[{"type":"switch","deviceId":"dev_01M8BQWSSN0C43SSNM7Z9ZPGRB","state":"on"}]}""", "actions[0].deviceId")]
    [InlineData("""{"name":"x","trigger":{"events":["*"]},"conditions":[{"type":"moon"}],"actions":[{"type":"webhook","url":"URL"}]}""", "conditions[0].type")]
    public async Task Invalid_automations_are_400_naming_the_field(string body, string field)
    {
        var response = await App.Admin.PostJsonAsync("/v1/automations", body.Replace("URL", Url, StringComparison.Ordinal));
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Theory]
    [InlineData("""{"name":"x","trigger":{"events":["*"],"extra":1},"actions":[]}""")]
    [InlineData("""{"name":"x","trigger":{"events":"*"},"actions":[]}""")]
    [InlineData("""{"name":"x","trigger":{"events":["*"]},"actions":[{"type":"webhook","url":"URL","secret":"mine"}]}""")]
    [InlineData("""{"name":"x","trigger":{"events":["*"]},"conditions":[{"switch":"on"}],"actions":[{"type":"webhook","url":"URL"}]}""")]
    [InlineData("""{"name":"x","trigger":{"schedule":{"cron":"* * * * *","zone":"UTC"}},"actions":[{"type":"webhook","url":"URL"}]}""")]
    public async Task Malformed_automations_are_400(string body)
    {
        var response = await App.Admin.PostJsonAsync("/v1/automations", body.Replace("URL", Url, StringComparison.Ordinal));
        await response.ProblemAsync(HttpStatusCode.BadRequest, "invalid_json");
    }

    [Fact]
    public async Task Automations_and_deliveries_of_another_organization_are_404()
    {
        var (_, owner) = await App.CreateTenantAsync("automations:read", "automations:write");
        var (_, other) = await App.CreateTenantAsync("automations:read", "automations:write");
        await using var receiver = await Webhooks.WebhookReceiver.StartAsync();
        var automation = await CreateAutomationAsync(owner, receiver.Url);
        var test = await (await owner.PostAsync($"/v1/automations/{automation.Id}/test", null, Ct)).ReadAsync(SmartApiJsonContext.Default.AutomationTestResponse);
        var deliveryId = test.DeliveryIds[0];

        foreach (var (method, path) in new[]
        {
            ("GET", $"/v1/automations/{automation.Id}"), ("PATCH", $"/v1/automations/{automation.Id}"),
            ("DELETE", $"/v1/automations/{automation.Id}"), ("POST", $"/v1/automations/{automation.Id}/test"),
            ("POST", $"/v1/automations/{automation.Id}/rotate-secret"), ("GET", $"/v1/deliveries/{deliveryId}"),
            ("POST", $"/v1/deliveries/{deliveryId}/retry"),
        })
        {
            var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = method is "PATCH" ? Http.Json("{}") : null };
            await (await other.SendAsync(request, Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        }
        var recover = await other.PostJsonAsync($"/v1/automations/{automation.Id}/recover", $$"""{"since":"{{DateTimeOffset.UtcNow.AddDays(-1):yyyy-MM-ddTHH:mm:ssZ}}"}""");
        await recover.ProblemAsync(HttpStatusCode.NotFound, "not_found");
        var deliveries = await (await other.GetAsync($"/v1/deliveries?automationId={automation.Id}", Ct)).ReadAsync(SmartApiJsonContext.Default.PageDeliveryResponse);
        Assert.Empty(deliveries.Data);
    }

    [Theory]
    [InlineData("""{}""")]
    [InlineData("""{"since":"2020-01-01T00:00:00Z"}""")]
    public async Task Recover_needs_a_recent_since(string body)
    {
        var automation = await CreateAutomationAsync(App.Admin, new Uri(Url));
        await (await App.Admin.PostJsonAsync($"/v1/automations/{automation.Id}/recover", body)).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Theory]
    [InlineData("status=done")]
    [InlineData("automationId=nope")]
    [InlineData("eventId=dev_01M8BQWSSN0C43SSNM7Z9ZPGRB")]
    [InlineData("limit=0")]
    public async Task Bad_delivery_queries_are_400(string query)
    {
        await (await App.Admin.GetAsync($"/v1/deliveries?{query}", Ct)).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task Reading_needs_automations_read_and_writing_automations_write()
    {
        var reader = App.CreateClient(await App.CreateKeyAsync(["automations:read"]));
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/v1/automations", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/v1/deliveries", Ct)).StatusCode);
        await (await reader.PostJsonAsync("/v1/automations", "{}")).ProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");
        var devicesOnly = App.CreateClient(await App.CreateKeyAsync(["devices:read"]));
        await (await devicesOnly.GetAsync("/v1/deliveries", Ct)).ProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");
    }
}
