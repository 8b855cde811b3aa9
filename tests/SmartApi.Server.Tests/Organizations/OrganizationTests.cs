using System.Net;
using SmartApi.Contracts;

namespace SmartApi.Server.Tests.Organizations;

public sealed class OrganizationTests(AppFixture fixture) : ServerTest(fixture)
{
    [Fact]
    public async Task Admin_creates_gets_and_lists_organizations()
    {
        var created = await App.Admin.PostJsonAsync("/v1/organizations", """{"name":"Acme"}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var organization = await created.ReadAsync(SmartApiJsonContext.Default.OrganizationResponse);
        Assert.StartsWith("org_", organization.Id);
        Assert.Equal($"/v1/organizations/{organization.Id}", created.Headers.Location?.ToString());

        var fetched = await (await App.Admin.GetAsync($"/v1/organizations/{organization.Id}", Ct)).ReadAsync(SmartApiJsonContext.Default.OrganizationResponse);
        Assert.Equal("Acme", fetched.Name);
        var all = await (await App.Admin.GetAsync("/v1/organizations?limit=500", Ct)).ReadAsync(SmartApiJsonContext.Default.PageOrganizationResponse);
        Assert.Contains(all.Data, o => o.Name == "default");
        Assert.Contains(all.Data, o => o.Id == organization.Id);
    }

    [Fact]
    public async Task Invalid_organization_is_400_and_unknown_is_404()
    {
        await (await App.Admin.PostJsonAsync("/v1/organizations", """{"name":"  "}""")).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await (await App.Admin.GetAsync("/v1/organizations/org_01M8BQWSSN0C43SSNM7Z9ZPGRB", Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Tenant_key_sees_only_its_organization_data()
    {
        var (_, a) = await App.CreateTenantAsync("devices:read", "devices:write", "events:read");
        var (_, b) = await App.CreateTenantAsync("devices:read", "devices:write", "events:read");
        var device = await SmartApiApplication.CreateDeviceAsync(a);
        var other = await SmartApiApplication.CreateDeviceAsync(b);

        await (await b.GetAsync($"/v1/devices/{device.Id}", Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await b.PatchJsonAsync($"/v1/devices/{device.Id}", """{"name":"x"}""")).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await b.PostJsonAsync($"/v1/devices/{device.Id}/switch", """{"state":"on"}""")).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await b.GetAsync($"/v1/devices/{device.Id}/measurements", Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await b.GetAsync($"/v1/devices/{device.Id}/commands", Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await b.DeleteAsync($"/v1/devices/{device.Id}", Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");

        var command = await (await a.PostJsonAsync($"/v1/devices/{device.Id}/switch", """{"state":"on"}""")).ReadAsync(SmartApiJsonContext.Default.CommandResponse);
        await (await b.GetAsync($"/v1/devices/{device.Id}/commands/{command.Id}", Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await b.GetAsync($"/v1/devices/{other.Id}/commands/{command.Id}", Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");

        var eventsOfA = await (await a.GetAsync("/v1/events", Ct)).ReadAsync(SmartApiJsonContext.Default.PageEventResponse);
        var foreignEvent = eventsOfA.Data[0].Id;
        await (await b.GetAsync($"/v1/events/{foreignEvent}", Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        // A foreign event id is not a usable cursor either.
        await (await b.GetAsync($"/v1/events?after={foreignEvent}", Ct)).ProblemAsync(HttpStatusCode.BadRequest, "invalid_cursor");
        var eventsOfB = await (await b.GetAsync("/v1/events?limit=500", Ct)).ReadAsync(SmartApiJsonContext.Default.PageEventResponse);
        Assert.DoesNotContain(eventsOfB.Data, e => e.Id == foreignEvent);
        var devicesOfB = await (await b.GetAsync("/v1/devices", Ct)).ReadAsync(SmartApiJsonContext.Default.PageDeviceResponse);
        Assert.Equal([other.Id], devicesOfB.Data.Select(d => d.Id));

        // The device of A is untouched by B's attempts.
        Assert.Equal(HttpStatusCode.OK, (await a.GetAsync($"/v1/devices/{device.Id}", Ct)).StatusCode);
    }

    [Fact]
    public async Task Any_key_reads_its_own_organization_and_only_its_own()
    {
        var created = await (await App.Admin.PostJsonAsync("/v1/organizations", """{"name":"Own Org"}""")).ReadAsync(SmartApiJsonContext.Default.OrganizationResponse);
        var key = await App.CreateKeyAsync(["keys:manage"], created.Id);

        var own = await (await App.CreateClient(key).GetAsync("/v1/organization", Ct)).ReadAsync(SmartApiJsonContext.Default.OrganizationResponse);
        Assert.Equal((created.Id, "Own Org"), (own.Id, own.Name));
        var admins = await (await App.Admin.GetAsync("/v1/organization", Ct)).ReadAsync(SmartApiJsonContext.Default.OrganizationResponse);
        Assert.Equal("default", admins.Name);
        await (await App.CreateClient().GetAsync("/v1/organization", Ct)).ProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        // The admin-only list stays admin-only for this key.
        await (await App.CreateClient(key).GetAsync("/v1/organizations", Ct)).ProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");
    }

    [Fact]
    public async Task Time_zone_defaults_to_UTC_is_set_by_admin_or_by_the_organization_itself_and_must_be_IANA()
    {
        var created = await (await App.Admin.PostJsonAsync("/v1/organizations", """{"name":"Zoned","timeZone":"Asia/Kathmandu"}"""))
            .ReadAsync(SmartApiJsonContext.Default.OrganizationResponse);
        Assert.Equal("Asia/Kathmandu", created.TimeZone);
        var plain = await (await App.Admin.PostJsonAsync("/v1/organizations", """{"name":"Plain"}""")).ReadAsync(SmartApiJsonContext.Default.OrganizationResponse);
        Assert.Equal("UTC", plain.TimeZone);

        var patched = await (await App.Admin.PatchJsonAsync($"/v1/organizations/{plain.Id}", """{"timeZone":"Europe/Zurich"}"""))
            .ReadAsync(SmartApiJsonContext.Default.OrganizationResponse);
        Assert.Equal(("Plain", "Europe/Zurich"), (patched.Name, patched.TimeZone));

        var owner = App.CreateClient(await App.CreateKeyAsync(["keys:manage"], plain.Id));
        var own = await (await owner.PatchJsonAsync("/v1/organization", """{"timeZone":"America/New_York"}""")).ReadAsync(SmartApiJsonContext.Default.OrganizationResponse);
        Assert.Equal((plain.Id, "America/New_York"), (own.Id, own.TimeZone));
        Assert.Equal("America/New_York", (await (await owner.GetAsync("/v1/organization", Ct)).ReadAsync(SmartApiJsonContext.Default.OrganizationResponse)).TimeZone);

        foreach (var bad in new[] { "Mars/Olympus", "", "+02:00", "W. Europe Standard Time" })
        {
            await (await owner.PatchJsonAsync("/v1/organization", $$"""{"timeZone":"{{bad}}"}""")).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        }
        await (await App.Admin.PostJsonAsync("/v1/organizations", """{"name":"X","timeZone":"Nowhere/City"}""")).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        // A key without keys:manage cannot change it, and nothing else is patchable there.
        var reader = App.CreateClient(await App.CreateKeyAsync(["devices:read"], plain.Id));
        await (await reader.PatchJsonAsync("/v1/organization", """{"timeZone":"UTC"}""")).ProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");
        await (await owner.PatchJsonAsync("/v1/organization", """{"name":"Renamed"}""")).ProblemAsync(HttpStatusCode.BadRequest, "invalid_json");
    }
}
