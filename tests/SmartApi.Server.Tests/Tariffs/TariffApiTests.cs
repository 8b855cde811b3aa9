using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SmartApi.Contracts;
using SmartApi.Server.Energy;
using SmartApi.Server.Tariffs;
using SmartApi.Server.Tests.Automations;
using SmartApi.Server.Tests.Webhooks;

namespace SmartApi.Server.Tests.Tariffs;

/// <summary>/v1/tariffs over real HTTP: create, validate by JSON path, one tariff per target (409), patch, delete, tenants apart.</summary>
public sealed class TariffApiTests(AppFixture fixture) : ServerTest(fixture)
{
    private const string HomeBody = """
        {"name":"Home","currency":"CHF",
         "periods":[{"from":"2026-01-01","to":"2027-01-01","pricePerKwh":0.25,
                     "bands":[{"name":"peak","days":["mon","tue","wed","thu","fri"],"from":"07:00","to":"20:00","pricePerKwh":0.32}],
                     "fixedFees":{"perDay":0.40,"perMonth":12.00}},
                    {"from":"2027-01-01","pricePerKwh":0.27}],
         "appliesTo":{"organization":true,"tags":["room:kitchen"]}}
        """;

    private static async Task<TariffResponse> CreateAsync(HttpClient client, string json)
    {
        var response = await client.PostJsonAsync("/v1/tariffs", json);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
        var tariff = await response.ReadAsync(SmartApiJsonContext.Default.TariffResponse);
        Assert.Equal($"/v1/tariffs/{tariff.Id}", response.Headers.Location?.OriginalString);
        return tariff;
    }

    private static string Tariff(string appliesTo, string periods = """[{"from":"2026-01-01","pricePerKwh":0.2}]""") =>
        $$"""{"name":"T","currency":"EUR","periods":{{periods}},"appliesTo":{{appliesTo}}}""";

    [Fact]
    public async Task A_created_tariff_reads_back_the_same_from_get_and_list()
    {
        var (organizationId, client) = await App.CreateTenantAsync("tariffs:read", "tariffs:write");
        var created = await CreateAsync(client, HomeBody);

        Assert.StartsWith("trf_", created.Id);
        Assert.Equal((organizationId, "Home", "CHF"), (created.OrganizationId, created.Name, created.Currency));
        Assert.Equal(2, created.Periods.Count);
        var band = Assert.Single(created.Periods[0].Bands!);
        Assert.Equal(("peak", "07:00", "20:00", 0.32), (band.Name, band.From, band.To, band.PricePerKwh));
        Assert.Equal(["mon", "tue", "wed", "thu", "fri"], band.Days);
        Assert.Equal(new TariffFixedFees(0.40, 12.00), created.Periods[0].FixedFees);
        Assert.Null(created.Periods[1].To);
        Assert.True(created.AppliesTo.Organization);
        Assert.Equal(["room:kitchen"], created.AppliesTo.Tags);
        Assert.Empty(created.AppliesTo.DeviceIds!);

        var read = await (await client.GetAsync($"/v1/tariffs/{created.Id}", Ct)).ReadAsync(SmartApiJsonContext.Default.TariffResponse);
        Assert.Equal(JsonSerializer.Serialize(created, SmartApiJsonContext.Default.TariffResponse), JsonSerializer.Serialize(read, SmartApiJsonContext.Default.TariffResponse));
        var second = await CreateAsync(client, Tariff("""{"tags":["room:office"]}"""));
        var page = await (await client.GetAsync("/v1/tariffs?limit=1", Ct)).ReadAsync(SmartApiJsonContext.Default.PageTariffResponse);
        Assert.Equal(created.Id, Assert.Single(page.Data).Id);
        Assert.True(page.HasMore);
        var rest = await (await client.GetAsync($"/v1/tariffs?limit=1&after={page.NextCursor}", Ct)).ReadAsync(SmartApiJsonContext.Default.PageTariffResponse);
        Assert.Equal(second.Id, Assert.Single(rest.Data).Id);
        Assert.False(rest.HasMore);
    }

    [Theory]
    [InlineData("""{"currency":"CHF","periods":[{"from":"2026-01-01","pricePerKwh":0.2}]}""", "name")]
    [InlineData("""{"name":"T","currency":"chf","periods":[{"from":"2026-01-01","pricePerKwh":0.2}]}""", "currency")]
    [InlineData("""{"name":"T","currency":"CHF","periods":[]}""", "periods")]
    [InlineData("""{"name":"T","currency":"CHF","periods":[{"from":"2026-13-01","pricePerKwh":0.2}]}""", "periods[0].from")]
    [InlineData("""{"name":"T","currency":"CHF","periods":[{"from":"2026-01-01","to":"2026-01-01","pricePerKwh":0.2}]}""", "periods[0].to")]
    [InlineData("""{"name":"T","currency":"CHF","periods":[{"from":"2026-01-01","pricePerKwh":0.2},{"from":"2027-01-01","pricePerKwh":0.2}]}""", "periods[0].to")]
    [InlineData("""{"name":"T","currency":"CHF","periods":[{"from":"2026-01-01","to":"2026-06-01","pricePerKwh":0.2},{"from":"2026-05-01","pricePerKwh":0.2}]}""", "periods[1].from")]
    [InlineData("""{"name":"T","currency":"CHF","periods":[{"from":"2026-01-01","pricePerKwh":-0.1}]}""", "periods[0].pricePerKwh")]
    [InlineData("""{"name":"T","currency":"CHF","periods":[{"from":"2026-01-01"}]}""", "periods[0].pricePerKwh")]
    [InlineData("""{"name":"T","currency":"CHF","periods":[{"from":"2026-01-01","pricePerKwh":0.2,"fixedFees":{"perDay":-1}}]}""", "periods[0].fixedFees.perDay")]
    [InlineData("""{"name":"T","currency":"CHF","periods":[{"from":"2026-01-01","pricePerKwh":0.2,"bands":[{"from":"07:10","to":"20:00","pricePerKwh":0.3}]}]}""", "periods[0].bands[0].from")]
    [InlineData("""{"name":"T","currency":"CHF","periods":[{"from":"2026-01-01","pricePerKwh":0.2,"bands":[{"from":"24:00","to":"06:00","pricePerKwh":0.3}]}]}""", "periods[0].bands[0].from")]
    [InlineData("""{"name":"T","currency":"CHF","periods":[{"from":"2026-01-01","pricePerKwh":0.2,"bands":[{"from":"07:00","to":"24:15","pricePerKwh":0.3}]}]}""", "periods[0].bands[0].to")]
    [InlineData("""{"name":"T","currency":"CHF","periods":[{"from":"2026-01-01","pricePerKwh":0.2,"bands":[{"from":"07:00","to":"07:00","pricePerKwh":0.3}]}]}""", "periods[0].bands[0].to")]
    [InlineData("""{"name":"T","currency":"CHF","periods":[{"from":"2026-01-01","pricePerKwh":0.2,"bands":[{"days":["mo"],"from":"07:00","to":"08:00","pricePerKwh":0.3}]}]}""", "periods[0].bands[0].days")]
    [InlineData("""{"name":"T","currency":"CHF","periods":[{"from":"2026-01-01","pricePerKwh":0.2,"bands":[{"days":["fri"],"from":"22:00","to":"06:00","pricePerKwh":0.1},{"days":["sat"],"from":"05:45","to":"07:00","pricePerKwh":0.3}]}]}""", "periods[0].bands[1]")]
    [InlineData("""{"name":"T","currency":"CHF","periods":[{"from":"2026-01-01","pricePerKwh":0.2}],"appliesTo":{"tags":["room"]}}""", "appliesTo.tags[0]")]
    [InlineData("""{"name":"T","currency":"CHF","periods":[{"from":"2026-01-01","pricePerKwh":0.2}],"appliesTo":{"deviceIds":["dev_nope"]}}""", "appliesTo.deviceIds[0]")]
    [InlineData("""{"name":"T","currency":"CHF","periods":[{"from":"2026-01-01","pricePerKwh":0.2}],"appliesTo":{"deviceIds":["dev_01jx0000000000000000000000"]}}""", "appliesTo.deviceIds[0]")]
    public async Task Invalid_tariffs_are_400_naming_the_json_path(string json, string path)
    {
        var (_, client) = await App.CreateTenantAsync("tariffs:write");
        var problem = await (await client.PostJsonAsync("/v1/tariffs", json)).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty(path, out _), errors.ToString());
    }

    [Fact]
    public async Task Malformed_bodies_and_unknown_members_are_400_never_500()
    {
        var (_, client) = await App.CreateTenantAsync("tariffs:write");
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostJsonAsync("/v1/tariffs", "{")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostJsonAsync("/v1/tariffs", Tariff("{}").Replace("\"T\"", "\"T\",\"colour\":1", StringComparison.Ordinal))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostJsonAsync("/v1/tariffs", Tariff("{}", """[{"from":"2026-01-01","pricePerKwh":1e400}]"""))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostJsonAsync("/v1/tariffs", Tariff("{}", """[null]"""))).StatusCode);
    }

    [Fact]
    public async Task A_target_another_tariff_holds_is_409_naming_that_tariff()
    {
        var (_, client) = await App.CreateTenantAsync("tariffs:read", "tariffs:write", "devices:write");
        var device = await SmartApiApplication.CreateDeviceAsync(client);
        var first = await CreateAsync(client, Tariff($$"""{"organization":true,"tags":["room:kitchen"],"deviceIds":["{{device.Id}}"]}"""));

        foreach (var appliesTo in new[] { """{"organization":true}""", """{"tags":["room:office","room:kitchen"]}""", $$"""{"deviceIds":["{{device.Id}}"]}""" })
        {
            var problem = await (await client.PostJsonAsync("/v1/tariffs", Tariff(appliesTo))).ProblemAsync(HttpStatusCode.Conflict, "tariff_target_taken");
            Assert.Equal(first.Id, problem.GetProperty("tariffId").GetString());
            Assert.Contains(first.Id, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        Assert.Single((await (await client.GetAsync("/v1/tariffs", Ct)).ReadAsync(SmartApiJsonContext.Default.PageTariffResponse)).Data);

        // A patch that claims a held target is refused the same way and changes nothing.
        var second = await CreateAsync(client, Tariff("""{"tags":["room:office"]}"""));
        var patch = await client.PatchJsonAsync($"/v1/tariffs/{second.Id}", """{"name":"Renamed","appliesTo":{"tags":["room:kitchen"]}}""");
        Assert.Equal(first.Id, (await patch.ProblemAsync(HttpStatusCode.Conflict, "tariff_target_taken")).GetProperty("tariffId").GetString());
        var unchanged = await (await client.GetAsync($"/v1/tariffs/{second.Id}", Ct)).ReadAsync(SmartApiJsonContext.Default.TariffResponse);
        Assert.Equal("T", unchanged.Name);
        Assert.Equal(["room:office"], unchanged.AppliesTo.Tags);
    }

    [Fact]
    public async Task Patch_sets_updatedAt_to_the_clock_and_keeps_createdAt()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
        await using var app = await RetryTests.StartAppAsync(time);
        var (_, client) = await app.CreateTenantAsync("tariffs:read", "tariffs:write");
        var created = await CreateAsync(client, HomeBody);
        time.Advance(TimeSpan.FromMinutes(5));

        var changed = await (await client.PatchJsonAsync($"/v1/tariffs/{created.Id}", """{"name":"Home 2026"}""")).ReadAsync(SmartApiJsonContext.Default.TariffResponse);

        Assert.Equal((time.GetUtcNow().AddMinutes(-5), time.GetUtcNow().AddMinutes(-5)), (created.CreatedAt, created.UpdatedAt));
        Assert.Equal((created.CreatedAt, time.GetUtcNow()), (changed.CreatedAt, changed.UpdatedAt));
    }

    [Fact]
    public async Task Patch_keeps_what_it_leaves_out_and_replaces_what_it_sends()
    {
        var (_, client) = await App.CreateTenantAsync("tariffs:read", "tariffs:write");
        var created = await CreateAsync(client, HomeBody);

        var renamed = await (await client.PatchJsonAsync($"/v1/tariffs/{created.Id}", """{"name":"Home 2026"}""")).ReadAsync(SmartApiJsonContext.Default.TariffResponse);
        Assert.Equal("Home 2026", renamed.Name);
        Assert.Equal(JsonSerializer.Serialize(created.Periods, SmartApiJsonContext.Default.IReadOnlyListTariffPeriod),
            JsonSerializer.Serialize(renamed.Periods, SmartApiJsonContext.Default.IReadOnlyListTariffPeriod));
        Assert.Equal(created.AppliesTo.Tags, renamed.AppliesTo.Tags);

        var response = await client.PatchJsonAsync($"/v1/tariffs/{created.Id}",
            """{"currency":"EUR","periods":[{"from":"2026-06-01","pricePerKwh":0.3}],"appliesTo":{"tags":["room:office"]}}""");
        var changed = await response.ReadAsync(SmartApiJsonContext.Default.TariffResponse);
        Assert.Equal(("Home 2026", "EUR", 0.3), (changed.Name, changed.Currency, Assert.Single(changed.Periods).PricePerKwh));
        Assert.False(changed.AppliesTo.Organization);
        Assert.Equal(["room:office"], changed.AppliesTo.Tags);

        // The organization is free again.
        await CreateAsync(client, Tariff("""{"organization":true}"""));
        var bad = await client.PatchJsonAsync($"/v1/tariffs/{created.Id}", """{"periods":[{"from":"2026-06-01","pricePerKwh":"x"}]}""");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        await (await client.PatchJsonAsync("/v1/tariffs/trf_01jx0000000000000000000000", """{"name":"x"}""")).ProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Delete_removes_the_tariff_and_frees_its_targets()
    {
        var (_, client) = await App.CreateTenantAsync("tariffs:read", "tariffs:write");
        var created = await CreateAsync(client, Tariff("""{"organization":true}"""));

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/tariffs/{created.Id}", Ct)).StatusCode);
        await (await client.GetAsync($"/v1/tariffs/{created.Id}", Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await client.DeleteAsync($"/v1/tariffs/{created.Id}", Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await CreateAsync(client, Tariff("""{"organization":true}"""));
    }

    [Fact]
    public async Task Another_organization_neither_sees_nor_changes_a_tariff_and_claims_its_own_targets()
    {
        var (_, mine) = await App.CreateTenantAsync("tariffs:read", "tariffs:write", "devices:write");
        var (_, theirs) = await App.CreateTenantAsync("tariffs:read", "tariffs:write");
        var device = await SmartApiApplication.CreateDeviceAsync(mine);
        var created = await CreateAsync(mine, Tariff("""{"organization":true,"tags":["room:kitchen"]}"""));

        await (await theirs.GetAsync($"/v1/tariffs/{created.Id}", Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await theirs.PatchJsonAsync($"/v1/tariffs/{created.Id}", """{"name":"x"}""")).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await theirs.DeleteAsync($"/v1/tariffs/{created.Id}", Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Empty((await (await theirs.GetAsync("/v1/tariffs", Ct)).ReadAsync(SmartApiJsonContext.Default.PageTariffResponse)).Data);
        // Their organization and tags are theirs to claim; my device is not a device to them.
        await CreateAsync(theirs, Tariff("""{"organization":true,"tags":["room:kitchen"]}"""));
        var foreign = await theirs.PostJsonAsync("/v1/tariffs", Tariff($$"""{"deviceIds":["{{device.Id}}"]}"""));
        Assert.True((await foreign.ProblemAsync(HttpStatusCode.BadRequest, "validation_failed")).GetProperty("errors").TryGetProperty("appliesTo.deviceIds[0]", out _));
    }

    [Fact]
    public async Task A_device_deleted_after_the_request_was_read_cannot_be_claimed_by_a_create_or_a_patch()
    {
        var (organizationId, client) = await App.CreateTenantAsync("tariffs:read", "tariffs:write", "devices:write");
        var kept = await SmartApiApplication.CreateDeviceAsync(client);
        var gone = await SmartApiApplication.CreateDeviceAsync(client);
        var tariffs = App.Services.GetRequiredService<TariffService>();
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/devices/{gone.Id}", Ct)).StatusCode);

        // What the endpoint has validated is checked again in the write's own transaction.
        var written = await tariffs.CreateAsync(organizationId, "T", "EUR", [new TariffPeriod("2026-01-01", null, 0.2)],
            [TariffText.DeviceTarget(gone.Id), TariffText.DeviceTarget(kept.Id)], Ct);
        var created = await CreateAsync(client, Tariff($$"""{"deviceIds":["{{kept.Id}}"]}"""));
        var patched = await tariffs.UpdateAsync(organizationId, created.Id, null, null, null, [TariffText.DeviceTarget(gone.Id), TariffText.DeviceTarget(kept.Id)], Ct);
        var patch = await client.PatchJsonAsync($"/v1/tariffs/{created.Id}", $$$"""{"appliesTo":{"deviceIds":["{{{kept.Id}}}","{{{gone.Id}}}"]}}""");

        Assert.Null(written.Tariff);
        Assert.Equal([gone.Id], written.MissingDevices!);
        Assert.Null(patched.Tariff);
        Assert.Equal([gone.Id], patched.MissingDevices!);
        var errors = (await patch.ProblemAsync(HttpStatusCode.BadRequest, "validation_failed")).GetProperty("errors");
        Assert.True(errors.TryGetProperty("appliesTo.deviceIds[1]", out _), errors.ToString());
        Assert.False(errors.TryGetProperty("appliesTo.deviceIds[0]", out _), errors.ToString());
        var stored = Assert.Single((await (await client.GetAsync("/v1/tariffs", Ct)).ReadAsync(SmartApiJsonContext.Default.PageTariffResponse)).Data);
        Assert.Equal([kept.Id], stored.AppliesTo.DeviceIds);
    }

    [Fact]
    public async Task Scopes_gate_reading_and_writing()
    {
        var (_, reader) = await App.CreateTenantAsync("tariffs:read");
        var (_, devicesOnly) = await App.CreateTenantAsync("devices:read", "devices:write");
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/v1/tariffs", Ct)).StatusCode);
        await (await reader.PostJsonAsync("/v1/tariffs", Tariff("{}"))).ProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");
        await (await devicesOnly.GetAsync("/v1/tariffs", Ct)).ProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");
    }

    [Fact]
    public async Task Pricing_uses_the_device_then_its_first_tag_then_the_organization_and_follows_changes()
    {
        var (organizationId, client) = await App.CreateTenantAsync("tariffs:read", "tariffs:write", "devices:write");
        var device = await SmartApiApplication.CreateDeviceAsync(client, tags: new() { ["room"] = "kitchen", ["floor"] = "1" });
        var pricing = App.Services.GetRequiredService<IEnergyPriceTimelines>();
        var stored = (await App.Store().GetDeviceAsync(organizationId, device.Id, Ct))!;
        var zone = TimeZoneInfo.Utc;
        var start = new DateTimeOffset(2026, 5, 4, 10, 0, 0, TimeSpan.Zero);
        var buckets = LocalCalendar.Buckets(start, start.AddHours(1), EnergyInterval.Hour, zone);
        // The price per kWh of the timeline that prices the device; null when none does.
        async Task<double?> CostAsync()
        {
            var prices = await pricing.TimelinesAsync(organizationId, [stored], zone, buckets, Ct);
            return prices.TimelineOf[0] < 0 ? null : prices.Timelines[prices.TimelineOf[0]].Changes.Single().PricePerKwh;
        }
        static string Flat(double price, string appliesTo) =>
            $$"""{"name":"T","currency":"CHF","periods":[{"from":"2026-01-01","pricePerKwh":{{price}}}],"appliesTo":{{appliesTo}}}""";

        Assert.Null(await CostAsync());
        var organization = await CreateAsync(client, Flat(1, """{"organization":true}"""));
        Assert.Equal(1, await CostAsync());
        var room = await CreateAsync(client, Flat(2, """{"tags":["room:kitchen"]}"""));
        Assert.Equal(2, await CostAsync());
        // "floor:1" sorts before "room:kitchen": the first tag in ordinal order wins.
        var floor = await CreateAsync(client, Flat(3, """{"tags":["floor:1"]}"""));
        Assert.Equal(3, await CostAsync());
        var own = await CreateAsync(client, Flat(4, $$"""{"deviceIds":["{{device.Id}}"]}"""));
        Assert.Equal(4, await CostAsync());
        Assert.Equal(HttpStatusCode.OK, (await client.PatchJsonAsync($"/v1/tariffs/{own.Id}", """{"periods":[{"from":"2026-01-01","pricePerKwh":5}]}""")).StatusCode);
        Assert.Equal(5, await CostAsync());
        Assert.Equal(HttpStatusCode.OK, (await client.PatchJsonAsync($"/v1/tariffs/{own.Id}", """{"periods":[{"from":"2026-01-01","pricePerKwh":6}]}""")).StatusCode);
        Assert.Equal(6, await CostAsync());
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/tariffs/{own.Id}", Ct)).StatusCode);
        Assert.Equal(3, await CostAsync());
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/tariffs/{floor.Id}", Ct)).StatusCode);
        Assert.Equal(2, await CostAsync());
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/tariffs/{room.Id}", Ct)).StatusCode);
        Assert.Equal(1, await CostAsync());
        Assert.Equal(HttpStatusCode.OK, (await client.PatchJsonAsync($"/v1/tariffs/{organization.Id}", """{"appliesTo":{}}""")).StatusCode);
        Assert.Null(await CostAsync());
    }
}
