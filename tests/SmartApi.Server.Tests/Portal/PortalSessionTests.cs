using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SmartApi.Contracts;
using SmartApi.Server.Tests.Webhooks;

namespace SmartApi.Server.Tests.Portal;

/// <summary>
/// Portal sessions over real HTTP: a portal token reaches only its automations' webhooks, their
/// deliveries and the event catalog; it expires on the server's clock (a fake one here) and stops
/// at once when revoked.
/// </summary>
public sealed class PortalSessionTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private SmartApiApplication _app = null!;
    private HttpClient _integrator = null!;
    private WebhookReceiver _receiver = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _app = await SmartApiApplication.StartAsync(WebhookTestKit.AllowLoopback, configure: builder => builder.Services.AddSingleton<TimeProvider>(_time));
        (_, _integrator) = await _app.CreateTenantAsync("devices:read", "events:read", "automations:read", "automations:write", "keys:manage");
        _receiver = await WebhookReceiver.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _receiver.DisposeAsync();
        await _app.DisposeAsync();
    }

    private static async Task<PortalSessionResponse> CreateSessionAsync(HttpClient client, string json)
    {
        var response = await client.PostJsonAsync("/v1/portal-sessions", json);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
        return await response.ReadAsync(SmartApiJsonContext.Default.PortalSessionResponse);
    }

    private HttpClient PortalClient(PortalSessionResponse session) => _app.CreateClient(session.Url![(session.Url!.IndexOf('#') + 1)..]);

    private async Task<string> TestDeliveryAsync(string automationId)
    {
        var response = await _integrator.PostAsync($"/v1/automations/{automationId}/test", null, Ct);
        return Assert.Single((await response.ReadAsync(SmartApiJsonContext.Default.AutomationTestResponse)).DeliveryIds);
    }

    [Fact]
    public async Task Creating_a_session_gives_a_url_with_the_token_in_its_fragment_shown_once()
    {
        var automation = await WebhookTestKit.CreateAutomationAsync(_integrator, _receiver.Url);
        var created = await CreateSessionAsync(_integrator,
            $$$"""{"automationIds":["{{{automation.Id}}}"],"brand":{"name":"Acme Heating","accentColor":"#12AB3F"}}""");

        Assert.StartsWith("ps_", created.Id);
        Assert.Matches("^" + _app.BaseAddress.ToString().TrimEnd('/') + "/portal#pt_[A-Za-z0-9_-]{43}$", created.Url);
        Assert.Equal([automation.Id], created.AutomationIds);
        Assert.Equal(new PortalBrand("Acme Heating", "#12AB3F"), created.Brand);
        Assert.Equal(TimeSpan.FromSeconds(900), created.ExpiresAt - created.CreatedAt);

        var read = await (await _integrator.GetAsync($"/v1/portal-sessions/{created.Id}", Ct)).ReadAsync(SmartApiJsonContext.Default.PortalSessionResponse);
        Assert.Null(read.Url);
        Assert.Equal(created with { Url = null }, read with { AutomationIds = created.AutomationIds });
        var page = await (await _integrator.GetAsync("/v1/portal-sessions?limit=10", Ct)).ReadAsync(SmartApiJsonContext.Default.PagePortalSessionResponse);
        Assert.Contains(page.Data, s => s.Id == created.Id && s.Url is null);
    }

    [Fact]
    public async Task A_portal_token_reaches_only_its_automations_their_deliveries_and_the_catalog()
    {
        var mine = await WebhookTestKit.CreateAutomationAsync(_integrator, _receiver.Url);
        var other = await WebhookTestKit.CreateAutomationAsync(_integrator, _receiver.Url);
        var myDelivery = await TestDeliveryAsync(mine.Id);
        var otherDelivery = await TestDeliveryAsync(other.Id);
        var portal = PortalClient(await CreateSessionAsync(_integrator, $$$"""{"automationIds":["{{{mine.Id}}}"],"brand":{"name":"Acme"}}"""));

        Assert.Equal(HttpStatusCode.OK, (await portal.GetAsync($"/v1/automations/{mine.Id}", Ct)).StatusCode);
        await (await portal.GetAsync($"/v1/automations/{other.Id}", Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");

        var patch = $$$"""{"actions":[{"type":"webhook","url":"{{{_receiver.Url}}}/new"}]}""";
        var updated = await (await portal.PatchJsonAsync($"/v1/automations/{mine.Id}", patch)).ReadAsync(SmartApiJsonContext.Default.AutomationResponse);
        Assert.EndsWith("/hook/new", Assert.Single(updated.Actions).Url);
        await (await portal.PatchJsonAsync($"/v1/automations/{other.Id}", patch)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Equal(HttpStatusCode.Accepted, (await portal.PostAsync($"/v1/automations/{mine.Id}/test", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await portal.PostAsync($"/v1/automations/{mine.Id}/rotate-secret", null, Ct)).StatusCode);
        await (await portal.PostAsync($"/v1/automations/{other.Id}/rotate-secret", null, Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");

        var deliveries = await (await portal.GetAsync($"/v1/deliveries?automationId={mine.Id}", Ct)).ReadAsync(SmartApiJsonContext.Default.PageDeliveryResponse);
        Assert.Contains(deliveries.Data, d => d.Id == myDelivery);
        Assert.All(deliveries.Data, d => Assert.Equal(mine.Id, d.AutomationId));
        await (await portal.GetAsync($"/v1/deliveries?automationId={other.Id}", Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await portal.GetAsync("/v1/deliveries", Ct)).ProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(HttpStatusCode.OK, (await portal.GetAsync($"/v1/deliveries/{myDelivery}", Ct)).StatusCode);
        await (await portal.GetAsync($"/v1/deliveries/{otherDelivery}", Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await WebhookTestKit.DeliveryWhenAsync(_integrator, myDelivery, d => d.Status != "pending");
        Assert.Equal(HttpStatusCode.Accepted, (await portal.PostAsync($"/v1/deliveries/{myDelivery}/retry", null, Ct)).StatusCode);
        await (await portal.PostAsync($"/v1/deliveries/{otherDelivery}/retry", null, Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");

        Assert.Equal(HttpStatusCode.OK, (await portal.GetAsync("/v1/event-types", Ct)).StatusCode);
        var current = await (await portal.GetAsync("/v1/portal-sessions/current", Ct)).ReadAsync(SmartApiJsonContext.Default.PortalSessionResponse);
        Assert.Equal([mine.Id], current.AutomationIds);
        Assert.Equal("Acme", current.Brand?.Name);
    }

    [Theory]
    [InlineData("GET", "/v1/devices")]
    [InlineData("GET", "/v1/api-keys")]
    [InlineData("GET", "/v1/automations")]
    [InlineData("POST", "/v1/automations")]
    [InlineData("GET", "/v1/events")]
    [InlineData("GET", "/v1/events/stream")]
    [InlineData("GET", "/v1/organizations")]
    [InlineData("GET", "/v1/portal-sessions")]
    [InlineData("POST", "/v1/portal-sessions")]
    [InlineData("GET", "/v1/automations/{mine}/runs")]
    [InlineData("DELETE", "/v1/automations/{mine}")]
    public async Task Everything_else_of_the_organization_is_forbidden_to_a_portal_token(string method, string path)
    {
        var mine = await WebhookTestKit.CreateAutomationAsync(_integrator, _receiver.Url);
        var portal = PortalClient(await CreateSessionAsync(_integrator, $$"""{"automationIds":["{{mine.Id}}"]}"""));

        var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{mine}", mine.Id)) { Content = Http.Json("{}") };
        var response = await portal.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, (await _integrator.GetAsync($"/v1/automations/{mine.Id}", Ct)).StatusCode);
    }

    [Theory]
    [InlineData("""{"name":"renamed"}""")]
    [InlineData("""{"trigger":{"events":["*"]}}""")]
    [InlineData("""{"actions":[{"type":"webhook","url":"https://example.com/"}],"enabled":false}""")]
    [InlineData("""{"actions":[{"type":"switch","deviceId":"dev_01M8BQWSSN0C43SSNM7Z9ZPGRB","state":"on"}]}""")]
    public async Task A_portal_changes_only_webhook_actions(string body)
    {
        var mine = await WebhookTestKit.CreateAutomationAsync(_integrator, _receiver.Url);
        var portal = PortalClient(await CreateSessionAsync(_integrator, $$"""{"automationIds":["{{mine.Id}}"]}"""));

        await (await portal.PatchJsonAsync($"/v1/automations/{mine.Id}", body)).ProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        var unchanged = await (await _integrator.GetAsync($"/v1/automations/{mine.Id}", Ct)).ReadAsync(SmartApiJsonContext.Default.AutomationResponse);
        Assert.Equal(mine.Name, unchanged.Name);
        Assert.Equal("webhook", Assert.Single(unchanged.Actions).Type);
    }

    [Fact]
    public async Task A_portal_retries_failed_deliveries_in_bulk_only_for_one_of_its_automations()
    {
        var mine = await WebhookTestKit.CreateAutomationAsync(_integrator, _receiver.Url);
        var other = await WebhookTestKit.CreateAutomationAsync(_integrator, _receiver.Url);
        var portal = PortalClient(await CreateSessionAsync(_integrator, $$$"""{"automationIds":["{{{mine.Id}}}"]}"""));

        var own = await portal.PostJsonAsync("/v1/deliveries/retry", $$"""{"automationId":"{{mine.Id}}"}""");
        Assert.Equal(HttpStatusCode.Accepted, own.StatusCode);
        Assert.Equal(new RetryDeliveriesResponse(0, false), await own.ReadAsync(SmartApiJsonContext.Default.RetryDeliveriesResponse));
        await (await portal.PostJsonAsync("/v1/deliveries/retry", $$"""{"automationId":"{{other.Id}}"}""")).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await portal.PostJsonAsync("/v1/deliveries/retry", "{}")).ProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await portal.PostJsonAsync("/v1/deliveries/retry", "{\"automationId\":")).ProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task A_malformed_patch_from_a_portal_is_a_400()
    {
        var mine = await WebhookTestKit.CreateAutomationAsync(_integrator, _receiver.Url);
        var portal = PortalClient(await CreateSessionAsync(_integrator, $$"""{"automationIds":["{{mine.Id}}"]}"""));
        var response = await portal.PatchJsonAsync($"/v1/automations/{mine.Id}", "{\"actions\":[");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task A_portal_token_expires_on_the_server_clock()
    {
        var mine = await WebhookTestKit.CreateAutomationAsync(_integrator, _receiver.Url);
        var portal = PortalClient(await CreateSessionAsync(_integrator, $$"""{"automationIds":["{{mine.Id}}"],"expiresIn":120}"""));
        Assert.Equal(HttpStatusCode.OK, (await portal.GetAsync($"/v1/automations/{mine.Id}", Ct)).StatusCode);

        _time.Advance(TimeSpan.FromSeconds(119));
        Assert.Equal(HttpStatusCode.OK, (await portal.GetAsync($"/v1/automations/{mine.Id}", Ct)).StatusCode);
        _time.Advance(TimeSpan.FromSeconds(1));
        var problem = await (await portal.GetAsync($"/v1/automations/{mine.Id}", Ct)).ProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal("The portal session expired.", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_revoked_portal_token_stops_at_once()
    {
        var mine = await WebhookTestKit.CreateAutomationAsync(_integrator, _receiver.Url);
        var session = await CreateSessionAsync(_integrator, $$"""{"automationIds":["{{mine.Id}}"]}""");
        var portal = PortalClient(session);
        Assert.Equal(HttpStatusCode.OK, (await portal.GetAsync($"/v1/automations/{mine.Id}", Ct)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await _integrator.DeleteAsync($"/v1/portal-sessions/{session.Id}", Ct)).StatusCode);
        var problem = await (await portal.GetAsync($"/v1/automations/{mine.Id}", Ct)).ProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal("The portal session was revoked.", problem.GetProperty("detail").GetString());
        var read = await (await _integrator.GetAsync($"/v1/portal-sessions/{session.Id}", Ct)).ReadAsync(SmartApiJsonContext.Default.PortalSessionResponse);
        Assert.NotNull(read.RevokedAt);
        Assert.Equal(HttpStatusCode.NoContent, (await _integrator.DeleteAsync($"/v1/portal-sessions/{session.Id}", Ct)).StatusCode);
    }

    [Fact]
    public async Task Sessions_and_automations_of_another_organization_are_not_found()
    {
        var mine = await WebhookTestKit.CreateAutomationAsync(_integrator, _receiver.Url);
        var session = await CreateSessionAsync(_integrator, $$"""{"automationIds":["{{mine.Id}}"]}""");
        var (_, stranger) = await _app.CreateTenantAsync("automations:read", "automations:write");

        var refused = await stranger.PostJsonAsync("/v1/portal-sessions", $$"""{"automationIds":["{{mine.Id}}"]}""");
        var problem = await refused.ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("automationIds", out _));
        await (await stranger.GetAsync($"/v1/portal-sessions/{session.Id}", Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await stranger.DeleteAsync($"/v1/portal-sessions/{session.Id}", Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        var list = await (await stranger.GetAsync("/v1/portal-sessions", Ct)).ReadAsync(SmartApiJsonContext.Default.PagePortalSessionResponse);
        Assert.Empty(list.Data);
        Assert.Equal(HttpStatusCode.OK, (await PortalClient(session).GetAsync($"/v1/automations/{mine.Id}", Ct)).StatusCode);
    }

    [Theory]
    [InlineData("""{}""", "automationIds")]
    [InlineData("""{"automationIds":[]}""", "automationIds")]
    [InlineData("""{"automationIds":["nope"]}""", "automationIds")]
    [InlineData("""{"automationIds":["aut_01M8BQWSSN0C43SSNM7Z9ZPGRB"]}""", "automationIds")]
    [InlineData("""{"automationIds":["{mine}"],"expiresIn":0}""", "expiresIn")]
    [InlineData("""{"automationIds":["{mine}"],"expiresIn":3601}""", "expiresIn")]
    [InlineData("""{"automationIds":["{mine}"],"brand":{"accentColor":"red"}}""", "brand.accentColor")]
    [InlineData("""{"automationIds":["{mine}"],"brand":{"accentColor":"#12345"}}""", "brand.accentColor")]
    [InlineData("""{"automationIds":["{mine}"],"brand":{"name":""}}""", "brand.name")]
    [InlineData("""{"automationIds":["{mine}"],"brand":{"name":"{long}"}}""", "brand.name")]
    public async Task Bad_input_is_a_400_naming_the_field(string body, string field)
    {
        var mine = await WebhookTestKit.CreateAutomationAsync(_integrator, _receiver.Url);
        var response = await _integrator.PostJsonAsync("/v1/portal-sessions", body.Replace("{mine}", mine.Id).Replace("{long}", new string('x', 101)));
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task At_most_fifty_automations_and_no_unknown_fields()
    {
        var ids = string.Join(",", Enumerable.Range(0, 51).Select(i => $"\"aut_01M8BQWSSN0C43SSNM7Z9ZPG{i:D2}\""));
        var tooMany = await _integrator.PostJsonAsync("/v1/portal-sessions", $$"""{"automationIds":[{{ids}}]}""");
        Assert.Contains("1-50", (await tooMany.ProblemAsync(HttpStatusCode.BadRequest, "validation_failed")).ToString());
        var unknown = await _integrator.PostJsonAsync("/v1/portal-sessions", """{"automationIds":[],"scopes":["admin"]}""");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
    }

    [Fact]
    public async Task Creating_a_session_needs_automations_write_and_read()
    {
        var mine = await WebhookTestKit.CreateAutomationAsync(_integrator, _receiver.Url);
        var body = $$"""{"automationIds":["{{mine.Id}}"]}""";
        var reader = _app.CreateClient(await _app.CreateKeyAsync(["automations:read"]));
        await (await reader.PostJsonAsync("/v1/portal-sessions", body)).ProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");
        var writer = _app.CreateClient(await _app.CreateKeyAsync(["automations:write"]));
        await (await writer.PostJsonAsync("/v1/portal-sessions", body)).ProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task An_api_key_has_no_current_portal_session()
    {
        await (await _integrator.GetAsync("/v1/portal-sessions/current", Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        var unknown = await _app.CreateClient("pt_" + new string('A', 43)).GetAsync("/v1/event-types", Ct);
        Assert.Equal("The portal token is not valid.", (await unknown.ProblemAsync(HttpStatusCode.Unauthorized, "unauthorized")).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_portal_token_cannot_read_the_organization()
    {
        var automation = await WebhookTestKit.CreateAutomationAsync(_integrator, _receiver.Url);
        var portal = PortalClient(await CreateSessionAsync(_integrator, $$$"""{"automationIds":["{{{automation.Id}}}"]}"""));
        await (await portal.GetAsync("/v1/organization", Ct)).ProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(HttpStatusCode.OK, (await _integrator.GetAsync("/v1/organization", Ct)).StatusCode);
    }
}
