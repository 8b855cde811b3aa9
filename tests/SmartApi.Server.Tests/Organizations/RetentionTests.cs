using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SmartApi.Contracts;
using SmartApi.Server.Infrastructure;
using SmartApi.Server.Tests.Webhooks;

namespace SmartApi.Server.Tests.Organizations;

/// <summary>Retention per organization (ADR 045) through the API and the sweep.</summary>
public sealed class RetentionTests(AppFixture fixture) : ServerTest(fixture)
{
    [Fact]
    public async Task An_organization_sets_its_own_retention_which_the_server_caps_and_an_admin_sets_anyones()
    {
        var (organizationId, _) = await App.CreateTenantAsync("devices:read");
        var (otherId, _) = await App.CreateTenantAsync("devices:read");
        var owner = App.CreateClient(await App.CreateKeyAsync(["keys:manage"], organizationId));

        var own = await (await owner.PatchJsonAsync("/v1/organization", """{"retention":{"eventsDays":60,"deliveriesDays":3,"rollupsDays":3650}}"""))
            .ReadAsync(SmartApiJsonContext.Default.OrganizationResponse);

        Assert.Equal(new OrganizationRetentionSettings(60, 3, null, 3650), own.Retention);
        // The server's 30 days (SmartApi:Retention:MaxAge) are the longest anyone keeps events.
        Assert.Equal(new OrganizationRetentionSettings(30, 3, 365, 3650), own.EffectiveRetention);
        Assert.Equal(own.Retention, (await (await owner.GetAsync("/v1/organization", Ct)).ReadAsync(SmartApiJsonContext.Default.OrganizationResponse)).Retention);

        // Another organization's retention is the operator's (admin) to set, not this key's.
        await (await owner.PatchJsonAsync($"/v1/organizations/{otherId}", """{"retention":{"eventsDays":1}}"""))
            .ProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");
        var other = await (await App.Admin.GetAsync($"/v1/organizations/{otherId}", Ct)).ReadAsync(SmartApiJsonContext.Default.OrganizationResponse);
        Assert.Equal(new OrganizationRetentionSettings(), other.Retention);
        Assert.Equal(new OrganizationRetentionSettings(30, 30, 365, null), other.EffectiveRetention);

        var set = await (await App.Admin.PatchJsonAsync($"/v1/organizations/{otherId}", """{"retention":{"measurementsDays":1}}"""))
            .ReadAsync(SmartApiJsonContext.Default.OrganizationResponse);
        Assert.Equal(new OrganizationRetentionSettings(30, 30, 1, null), set.EffectiveRetention);
        // An empty object goes back to the server's defaults; leaving it out keeps it.
        await App.Admin.PatchJsonAsync($"/v1/organizations/{otherId}", """{"name":"Renamed"}""");
        Assert.Equal(1, (await (await App.Admin.GetAsync($"/v1/organizations/{otherId}", Ct)).ReadAsync(SmartApiJsonContext.Default.OrganizationResponse)).Retention!.MeasurementsDays);
        var reset = await (await App.Admin.PatchJsonAsync($"/v1/organizations/{otherId}", """{"retention":{}}""")).ReadAsync(SmartApiJsonContext.Default.OrganizationResponse);
        Assert.Equal(new OrganizationRetentionSettings(), reset.Retention);
    }

    [Theory]
    [InlineData("""{"eventsDays":0}""", "retention.eventsDays")]
    [InlineData("""{"deliveriesDays":3651}""", "retention.deliveriesDays")]
    [InlineData("""{"measurementsDays":-1}""", "retention.measurementsDays")]
    [InlineData("""{"rollupsDays":0}""", "retention.rollupsDays")]
    [InlineData("""{"eventsDays":7,"deliveriesDays":8}""", "retention.deliveriesDays")]
    public async Task Bad_retention_is_400_naming_the_field(string retention, string field)
    {
        var (organizationId, _) = await App.CreateTenantAsync("devices:read");
        var owner = App.CreateClient(await App.CreateKeyAsync(["keys:manage"], organizationId));

        foreach (var response in new[]
        {
            await owner.PatchJsonAsync("/v1/organization", $$"""{"retention":{{retention}}}"""),
            await App.Admin.PatchJsonAsync($"/v1/organizations/{organizationId}", $$"""{"retention":{{retention}}}"""),
        })
        {
            var problem = await response.ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        }
        Assert.Null((await (await owner.GetAsync("/v1/organization", Ct)).ReadAsync(SmartApiJsonContext.Default.OrganizationResponse)).Retention!.EventsDays);
    }

    [Fact]
    public async Task The_sweep_deletes_an_organizations_events_by_its_own_window_and_leaves_the_others()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await RetryTests.StartAppAsync(time);
        var (shortId, shortKeeper) = await app.CreateTenantAsync("devices:write", "events:read");
        var (_, defaultKeeper) = await app.CreateTenantAsync("devices:write", "events:read");
        var owner = app.CreateClient(await app.CreateKeyAsync(["keys:manage"], shortId));
        await owner.PatchJsonAsync("/v1/organization", """{"retention":{"eventsDays":7}}""");
        var old = await SmartApiApplication.CreateDeviceAsync(shortKeeper);
        var kept = await SmartApiApplication.CreateDeviceAsync(defaultKeeper);

        time.Advance(TimeSpan.FromDays(10));
        var recent = await SmartApiApplication.CreateDeviceAsync(shortKeeper);
        await app.Services.GetRequiredService<RetentionService>().PruneAsync(Ct);

        Assert.Empty((await (await shortKeeper.GetAsync($"/v1/events?deviceId={old.Id}", Ct)).ReadAsync(SmartApiJsonContext.Default.PageEventResponse)).Data);
        Assert.Single((await (await shortKeeper.GetAsync($"/v1/events?deviceId={recent.Id}", Ct)).ReadAsync(SmartApiJsonContext.Default.PageEventResponse)).Data);
        Assert.Single((await (await defaultKeeper.GetAsync($"/v1/events?deviceId={kept.Id}", Ct)).ReadAsync(SmartApiJsonContext.Default.PageEventResponse)).Data);
    }
}
