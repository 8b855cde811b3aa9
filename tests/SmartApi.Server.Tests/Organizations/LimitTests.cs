using System.Net;
using SmartApi.Contracts;

namespace SmartApi.Server.Tests.Organizations;

/// <summary>Per-organization limits: set by an admin, request rate per key (429), quotas (403).</summary>
public sealed class LimitTests(Webhooks.WebhookAppFixture fixture) : IClassFixture<Webhooks.WebhookAppFixture>
{
    private SmartApiApplication App => fixture.App;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string Url = "http://127.0.0.1:9/hook";

    private async Task SetLimitsAsync(string organizationId, string limitsJson) =>
        Assert.Equal(HttpStatusCode.OK, (await App.Admin.PatchJsonAsync($"/v1/organizations/{organizationId}", $$"""{"limits":{{limitsJson}}}""")).StatusCode);

    [Fact]
    public async Task Admin_sets_limits_and_reads_them_back_with_the_effective_values()
    {
        var (organizationId, _) = await App.CreateTenantAsync();

        var response = await App.Admin.PatchJsonAsync($"/v1/organizations/{organizationId}",
            """{"name":"Renamed","limits":{"requestsPerSecond":5,"maxDevices":3,"deviceMessagesPerSecond":2}}""");

        var organization = await response.ReadAsync(SmartApiJsonContext.Default.OrganizationResponse);
        Assert.Equal("Renamed", organization.Name);
        Assert.Equal(new OrganizationLimitSettings(RequestsPerSecond: 5, MaxDevices: 3, DeviceMessagesPerSecond: 2), organization.Limits);
        // Left-out limits follow the server's defaults (SmartApi:Limits).
        Assert.Equal(new OrganizationLimitSettings(5, 2000, 3, 1000, 1000, 2), organization.EffectiveLimits);
        var fetched = await (await App.Admin.GetAsync($"/v1/organizations/{organizationId}", Ct)).ReadAsync(SmartApiJsonContext.Default.OrganizationResponse);
        Assert.Equal(organization, fetched);

        // An empty object goes back to the defaults; a PATCH without limits keeps them.
        await SetLimitsAsync(organizationId, "{}");
        await App.Admin.PatchJsonAsync($"/v1/organizations/{organizationId}", """{"name":"Again"}""");
        fetched = await (await App.Admin.GetAsync($"/v1/organizations/{organizationId}", Ct)).ReadAsync(SmartApiJsonContext.Default.OrganizationResponse);
        Assert.Equal(new OrganizationLimitSettings(), fetched.Limits);
        Assert.Equal("Again", fetched.Name);
    }

    [Fact]
    public async Task Invalid_limits_are_400_unknown_organization_404_and_a_tenant_key_403()
    {
        var (organizationId, tenant) = await App.CreateTenantAsync("devices:read");

        var invalid = await (await App.Admin.PatchJsonAsync($"/v1/organizations/{organizationId}", """{"limits":{"requestsPerSecond":0,"maxDevices":-1}}"""))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(invalid.GetProperty("errors").TryGetProperty("limits.requestsPerSecond", out _));
        Assert.True(invalid.GetProperty("errors").TryGetProperty("limits.maxDevices", out _));
        await (await App.Admin.PatchJsonAsync($"/v1/organizations/{organizationId}", """{"limits":{"maxGadgets":1}}"""))
            .ProblemAsync(HttpStatusCode.BadRequest, "invalid_json");
        await (await App.Admin.PatchJsonAsync("/v1/organizations/org_01M8BQWSSN0C43SSNM7Z9ZPGRB", """{"limits":{}}"""))
            .ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await tenant.PatchJsonAsync($"/v1/organizations/{organizationId}", """{"limits":{"requestsPerSecond":1000000}}"""))
            .ProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");
    }

    [Fact]
    public async Task Requests_over_the_key_rate_answer_429_with_Retry_After_and_RateLimit_fields()
    {
        var (organizationId, tenant) = await App.CreateTenantAsync("devices:read");
        await SetLimitsAsync(organizationId, """{"requestsPerSecond":1,"requestBurst":3}""");

        var first = await tenant.GetAsync("/v1/devices", Ct);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("\"key\";q=3;w=3", Assert.Single(first.Headers.GetValues("RateLimit-Policy")));
        Assert.Matches("^\"key\";r=[0-2];t=[1-3]$", Assert.Single(first.Headers.GetValues("RateLimit")));

        // Three tokens, one more a second: however slow this machine, a 429 comes within a few requests.
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 20 && limited is null; i++)
        {
            var response = await tenant.GetAsync("/v1/devices", Ct);
            limited = response.StatusCode == HttpStatusCode.TooManyRequests ? response : null;
        }
        Assert.NotNull(limited);
        var problem = await limited.ProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.Contains("1/s", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var retryAfter = int.Parse(Assert.Single(limited.Headers.GetValues("Retry-After")), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 3);
        Assert.Equal("\"key\";q=3;w=3", Assert.Single(limited.Headers.GetValues("RateLimit-Policy")));
        Assert.Equal($"\"key\";r=0;t={retryAfter}", Assert.Single(limited.Headers.GetValues("RateLimit")));

        // Another organization's key, and the probes, are not affected.
        Assert.Equal(HttpStatusCode.OK, (await App.Admin.GetAsync("/v1/devices", Ct)).StatusCode);
        var live = await tenant.GetAsync("/health/live", Ct);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.False(live.Headers.Contains("RateLimit"));
    }

    [Fact]
    public async Task Device_quota_answers_403_naming_the_quota_its_limit_and_count()
    {
        var (organizationId, tenant) = await App.CreateTenantAsync("devices:write");
        await SetLimitsAsync(organizationId, """{"maxDevices":2}""");
        await SmartApiApplication.CreateDeviceAsync(tenant);
        await SmartApiApplication.CreateDeviceAsync(tenant);

        var response = await tenant.PostJsonAsync("/v1/devices", """{"serial":"DT31-OVER","name":"One too many","model":"DT31"}""");

        var problem = await response.ProblemAsync(HttpStatusCode.Forbidden, "quota_exceeded");
        Assert.Equal("devices", problem.GetProperty("quota").GetString());
        Assert.Equal(2, problem.GetProperty("limit").GetInt32());
        Assert.Equal(2, problem.GetProperty("count").GetInt32());
        Assert.Contains("devices quota is 2", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        // Raising the quota lets the same request through.
        await SetLimitsAsync(organizationId, """{"maxDevices":3}""");
        Assert.Equal(HttpStatusCode.Created,
            (await tenant.PostJsonAsync("/v1/devices", """{"serial":"DT31-OVER","name":"Now fits","model":"DT31"}""")).StatusCode);
    }

    [Fact]
    public async Task Automation_and_webhook_quotas_answer_403_and_an_update_may_not_grow_past_them()
    {
        var (organizationId, tenant) = await App.CreateTenantAsync("automations:read", "automations:write");
        await SetLimitsAsync(organizationId, """{"maxAutomations":2,"maxWebhooks":2}""");
        var one = Body(1);

        var created = await tenant.PostJsonAsync("/v1/automations", one);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.ReadAsync(SmartApiJsonContext.Default.AutomationResponse)).Id;
        var webhooks = await (await tenant.PostJsonAsync("/v1/automations", Body(2))).ProblemAsync(HttpStatusCode.Forbidden, "quota_exceeded");
        Assert.Equal("webhooks", webhooks.GetProperty("quota").GetString());
        Assert.Equal(2, webhooks.GetProperty("limit").GetInt32());
        Assert.Equal(1, webhooks.GetProperty("count").GetInt32());
        Assert.Equal(HttpStatusCode.Created, (await tenant.PostJsonAsync("/v1/automations", one)).StatusCode);
        var automations = await (await tenant.PostJsonAsync("/v1/automations", one)).ProblemAsync(HttpStatusCode.Forbidden, "quota_exceeded");
        Assert.Equal("automations", automations.GetProperty("quota").GetString());

        // At the webhook quota: an update that adds an action is refused, one that keeps the count passes.
        await (await tenant.PatchJsonAsync($"/v1/automations/{id}", Body(2))).ProblemAsync(HttpStatusCode.Forbidden, "quota_exceeded");
        Assert.Equal(HttpStatusCode.OK, (await tenant.PatchJsonAsync($"/v1/automations/{id}", one.Replace("/hook", "/other", StringComparison.Ordinal))).StatusCode);
    }

    private static string Body(int webhooks) => $$"""
        {"name":"Forward","enabled":true,"trigger":{"events":["device.switched"]},"conditions":[],
         "actions":[{{string.Join(",", Enumerable.Range(0, webhooks).Select(i => $$"""{"type":"webhook","url":"{{Url}}{{i}}"}"""))}}]}
        """;
}
