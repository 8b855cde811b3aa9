using System.Net;
using SmartApi.Contracts;
using SmartApi.Server.ApiKeys;
using Microsoft.Extensions.DependencyInjection;

namespace SmartApi.Server.Tests.ApiKeys;

public sealed class AuthenticationTests(AppFixture fixture) : ServerTest(fixture)
{
    [Theory]
    [InlineData("/v1/devices")]
    [InlineData("/v1/events")]
    [InlineData("/v1/event-types")]
    [InlineData("/v1/api-keys")]
    [InlineData("/v1/organizations")]
    [InlineData("/v1/devices/dev_01M8BQWSSN0C43SSNM7Z9ZPGRB/measurements")]
    public async Task Request_without_key_is_401_problem(string path)
    {
        var response = await App.CreateClient().GetAsync(path, Ct);
        var problem = await response.ProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Contains("Authorization: Bearer", problem.GetProperty("detail").GetString());
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Theory]
    [InlineData("sk_unknown_key_0123456789abcdefghijklmnopqrstuvwxyz")]
    [InlineData("short")]
    public async Task Unknown_key_is_401(string key)
    {
        var response = await App.CreateClient(key).GetAsync("/v1/devices", Ct);
        var problem = await response.ProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal("The API key is not valid.", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task X_API_Key_header_is_accepted()
    {
        var response = await App.CreateClient(SmartApiApplication.AdminKey, useXApiKey: true).GetAsync("/v1/devices", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Revoked_key_is_401_at_once()
    {
        var key = await App.CreateApiKeyAsync([Scopes.DevicesRead]);
        var client = App.CreateClient(key.Key);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/devices", Ct)).StatusCode);

        var revoked = await (await App.Admin.PostAsync($"/v1/api-keys/{key.Id}/revoke", null, Ct)).ReadAsync(SmartApiJsonContext.Default.ApiKeyResponse);
        Assert.NotNull(revoked.RevokedAt);

        var response = await client.GetAsync("/v1/devices", Ct);
        var problem = await response.ProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal("The API key was revoked.", problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("GET", "/v1/devices", "events:read")]
    [InlineData("POST", "/v1/devices", "devices:read")]
    [InlineData("GET", "/v1/events", "devices:read")]
    [InlineData("GET", "/v1/api-keys", "devices:write")]
    [InlineData("POST", "/v1/organizations", "keys:manage")]
    public async Task Missing_scope_is_403_naming_the_scope(string method, string path, string heldScope)
    {
        var client = App.CreateClient(await App.CreateKeyAsync([heldScope]));
        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = Http.Json("{}") }, Ct);
        var problem = await response.ProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");
        Assert.Contains("scope", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_key_cannot_grant_scopes_it_does_not_hold()
    {
        var manager = App.CreateClient(await App.CreateKeyAsync([Scopes.KeysManage, Scopes.DevicesRead]));
        var escalate = await manager.PostJsonAsync("/v1/api-keys", """{"name":"x","scopes":["admin"]}""");
        await escalate.ProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        var sideways = await manager.PostJsonAsync("/v1/api-keys", """{"name":"x","scopes":["devices:write"]}""");
        await sideways.ProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        var allowed = await manager.PostJsonAsync("/v1/api-keys", """{"name":"x","scopes":["devices:read"]}""");
        Assert.Equal(HttpStatusCode.Created, allowed.StatusCode);
    }

    [Fact]
    public async Task A_key_cannot_revoke_a_more_powerful_key()
    {
        var manager = App.CreateClient(await App.CreateKeyAsync([Scopes.KeysManage]));
        var admin = await App.CreateApiKeyAsync([Scopes.Admin]);
        var reader = await App.CreateApiKeyAsync([Scopes.DevicesRead]);
        await (await manager.PostAsync($"/v1/api-keys/{admin.Id}/revoke", null, Ct)).ProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await manager.PostAsync($"/v1/api-keys/{reader.Id}/revoke", null, Ct)).ProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(HttpStatusCode.OK, (await App.CreateClient(admin.Key).GetAsync("/v1/devices", Ct)).StatusCode);
    }

    [Fact]
    public async Task Only_admin_creates_keys_in_another_organization()
    {
        var (otherOrg, _) = await App.CreateTenantAsync();
        var manager = App.CreateClient(await App.CreateKeyAsync([Scopes.KeysManage, Scopes.DevicesRead]));
        var response = await manager.PostJsonAsync("/v1/api-keys", $$"""{"name":"x","scopes":["devices:read"],"organizationId":"{{otherOrg}}"}""");
        await response.ProblemAsync(HttpStatusCode.Forbidden, "forbidden");

        var missing = await App.Admin.PostJsonAsync("/v1/api-keys", """{"name":"x","scopes":["devices:read"],"organizationId":"org_01M8BQWSSN0C43SSNM7Z9ZPGRB"}""");
        await missing.ProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Only_an_admin_key_creates_an_admin_key_in_any_organization()
    {
        var (otherOrg, _) = await App.CreateTenantAsync();
        var manager = App.CreateClient(await App.CreateKeyAsync([Scopes.KeysManage]));
        var own = await manager.PostJsonAsync("/v1/api-keys", """{"name":"x","scopes":["admin"]}""");
        await own.ProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        var other = await manager.PostJsonAsync("/v1/api-keys", $$"""{"name":"x","scopes":["admin"],"organizationId":"{{otherOrg}}"}""");
        await other.ProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task Creating_an_admin_key_warns_that_it_is_platform_wide()
    {
        var (otherOrg, _) = await App.CreateTenantAsync("devices:read");
        var created = await App.Admin.PostJsonAsync("/v1/api-keys", $$"""{"name":"tenant admin","scopes":["admin"],"organizationId":"{{otherOrg}}"}""");
        var admin = await created.ReadAsync(SmartApiJsonContext.Default.ApiKeyResponse);
        Assert.Contains("platform-wide", admin.Warning, StringComparison.Ordinal);

        // What the warning says: the key of one organization manages the others.
        var organizations = await (await App.CreateClient(admin.Key).GetAsync("/v1/organizations?limit=500", Ct))
            .ReadAsync(SmartApiJsonContext.Default.PageOrganizationResponse);
        Assert.Contains(organizations.Data, o => o.Id != otherOrg);

        // Only the creating answer of an admin key carries it.
        var plain = await App.Admin.PostJsonAsync("/v1/api-keys", """{"name":"reader","scopes":["devices:read"]}""");
        Assert.Equal(HttpStatusCode.Created, plain.StatusCode);
        Assert.DoesNotContain("\"warning\"", await plain.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        var fetched = await App.CreateClient(admin.Key).GetAsync($"/v1/api-keys/{admin.Id}", Ct);
        Assert.DoesNotContain("\"warning\"", await fetched.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Key_secret_is_shown_once_and_lastUsedAt_is_kept()
    {
        var created = await App.Admin.PostJsonAsync("/v1/api-keys", """{"name":"erp","scopes":["devices:read"]}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var key = await created.ReadAsync(SmartApiJsonContext.Default.ApiKeyResponse);
        Assert.StartsWith("sk_", key.Key);
        Assert.True(key.Key!.Length >= 46, "256 random bits in base64url plus the prefix");
        Assert.StartsWith(key.Prefix, key.Key);
        Assert.Null(key.LastUsedAt);

        var fetched = await App.Admin.GetAsync($"/v1/api-keys/{key.Id}", Ct);
        var body = await fetched.Content.ReadAsStringAsync(Ct);
        Assert.DoesNotContain(key.Key, body, StringComparison.Ordinal);
        Assert.DoesNotContain("\"key\"", body, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await App.CreateClient(key.Key).GetAsync("/v1/devices", Ct)).StatusCode);
        var used = await (await App.Admin.GetAsync($"/v1/api-keys/{key.Id}", Ct)).ReadAsync(SmartApiJsonContext.Default.ApiKeyResponse);
        Assert.NotNull(used.LastUsedAt);

        // After the batched flush the value is in the database, not only in memory.
        await App.Services.GetRequiredService<ApiKeyUsageTracker>().FlushAsync(Ct);
        var stored = await App.Services.GetRequiredService<Storage.ISmartApiStore>().GetApiKeyAsync(key.OrganizationId, key.Id, Ct);
        Assert.NotNull(stored!.LastUsedAt);
    }

    [Fact]
    public async Task Key_validation_errors_are_400()
    {
        var response = await App.Admin.PostJsonAsync("/v1/api-keys", """{"name":"","scopes":["nope"]}""");
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty("name", out _));
        Assert.True(errors.TryGetProperty("scopes", out _));
    }

    [Fact]
    public async Task Keys_of_another_organization_are_404()
    {
        var (_, tenant) = await App.CreateTenantAsync(Scopes.KeysManage);
        var adminKeys = await (await App.Admin.GetAsync("/v1/api-keys", Ct)).ReadAsync(SmartApiJsonContext.Default.PageApiKeyResponse);
        var foreign = adminKeys.Data[0].Id;
        await (await tenant.GetAsync($"/v1/api-keys/{foreign}", Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await tenant.PostAsync($"/v1/api-keys/{foreign}/revoke", null, Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        var own = await (await tenant.GetAsync("/v1/api-keys", Ct)).ReadAsync(SmartApiJsonContext.Default.PageApiKeyResponse);
        Assert.DoesNotContain(own.Data, k => k.Id == foreign);
    }
}
