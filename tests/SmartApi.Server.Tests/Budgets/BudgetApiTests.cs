using System.Net;
using SmartApi.Contracts;

namespace SmartApi.Server.Tests.Budgets;

/// <summary><c>/v1/budgets</c> over HTTP: the life of a budget, every kind of bad input, scopes and tenant isolation.</summary>
public sealed class BudgetApiTests(AppFixture fixture) : ServerTest(fixture)
{
    private static Task<BudgetResponse> ReadBudgetAsync(HttpResponseMessage response) => response.ReadAsync(SmartApiJsonContext.Default.BudgetResponse);

    [Fact]
    public async Task A_budget_is_created_read_listed_changed_and_deleted()
    {
        var (_, client) = await App.CreateTenantAsync("devices:read", "devices:write");
        var device = await SmartApiApplication.CreateDeviceAsync(client);

        var created = await client.PostJsonAsync("/v1/budgets", $$"""{"name":"Kettle","deviceId":"{{device.Id}}","period":"day","energyWh":5000}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var budget = await ReadBudgetAsync(created);
        var byTag = await ReadBudgetAsync(await client.PostJsonAsync("/v1/budgets", """{"name":"Kitchen","tag":"room:kitchen","period":"month","cost":2.5}"""));
        var patched = await client.PatchJsonAsync($"/v1/budgets/{budget.Id}", """{"name":"Kettle, less","cost":1.25}""");
        var list = await (await client.GetAsync("/v1/budgets?limit=1", Ct)).ReadAsync(SmartApiJsonContext.Default.PageBudgetResponse);
        var deleted = await client.DeleteAsync($"/v1/budgets/{byTag.Id}", Ct);

        Assert.StartsWith("bud_", budget.Id);
        Assert.Equal($"/v1/budgets/{budget.Id}", created.Headers.Location?.OriginalString);
        Assert.Equal(("Kettle", device.Id, (string?)null, "day", 5000d, (double?)null), (budget.Name, budget.DeviceId, budget.Tag, budget.Period, budget.EnergyWh, budget.Cost));
        Assert.Equal(((string?)null, "room:kitchen", "month", (double?)null, 2.5), (byTag.DeviceId, byTag.Tag, byTag.Period, byTag.EnergyWh, byTag.Cost));
        var changed = await ReadBudgetAsync(patched);
        Assert.Equal(("Kettle, less", 5000d, 1.25, device.Id), (changed.Name, changed.EnergyWh!.Value, changed.Cost!.Value, changed.DeviceId));
        Assert.Equal(changed, await ReadBudgetAsync(await client.GetAsync($"/v1/budgets/{budget.Id}", Ct)));
        Assert.Equal([budget.Id], list.Data.Select(b => b.Id));
        Assert.True(list.HasMore);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await (await client.GetAsync($"/v1/budgets/{byTag.Id}", Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await client.DeleteAsync($"/v1/budgets/{byTag.Id}", Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Theory]
    [InlineData("""{"tag":"room:kitchen","period":"day","energyWh":1}""", "name")]
    [InlineData("""{"name":" ","tag":"room:kitchen","period":"day","energyWh":1}""", "name")]
    [InlineData("""{"name":"B","period":"day","energyWh":1}""", "deviceId")]
    [InlineData("""{"name":"B","deviceId":"dev_01","tag":"room:kitchen","period":"day","energyWh":1}""", "deviceId")]
    [InlineData("""{"name":"B","deviceId":"dev_unknown","period":"day","energyWh":1}""", "deviceId")]
    [InlineData("""{"name":"B","tag":"room","period":"day","energyWh":1}""", "tag")]
    [InlineData("""{"name":"B","tag":":kitchen","period":"day","energyWh":1}""", "tag")]
    [InlineData("""{"name":"B","tag":"room:kitchen","energyWh":1}""", "period")]
    [InlineData("""{"name":"B","tag":"room:kitchen","period":"week","energyWh":1}""", "period")]
    [InlineData("""{"name":"B","tag":"room:kitchen","period":"day"}""", "energyWh")]
    [InlineData("""{"name":"B","tag":"room:kitchen","period":"day","energyWh":0}""", "energyWh")]
    [InlineData("""{"name":"B","tag":"room:kitchen","period":"day","energyWh":-5}""", "energyWh")]
    [InlineData("""{"name":"B","tag":"room:kitchen","period":"day","cost":-0.01}""", "cost")]
    [InlineData("""{"name":"B","tag":"room:kitchen","period":"day","cost":1e13}""", "cost")]
    public async Task Bad_budgets_are_400_with_the_field(string body, string field)
    {
        var (_, client) = await App.CreateTenantAsync("devices:read", "devices:write");

        var problem = await (await client.PostJsonAsync("/v1/budgets", body)).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Theory]
    [InlineData("""{"name":"B","tag":"room:kitchen","period":"day","energyWh":1,"colour":"red"}""")]
    [InlineData("""{"name":"B","tag":"room:kitchen","period":"day","energyWh":"lots"}""")]
    [InlineData("""{"name":"B",""")]
    public async Task Malformed_budget_bodies_are_400_not_500(string body)
    {
        var (_, client) = await App.CreateTenantAsync("devices:read", "devices:write");

        var response = await client.PostJsonAsync("/v1/budgets", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("""{"period":"year"}""", "period")]
    [InlineData("""{"energyWh":0}""", "energyWh")]
    [InlineData("""{"name":""}""", "name")]
    public async Task Bad_changes_are_400_and_leave_the_budget_alone(string body, string field)
    {
        var (_, client) = await App.CreateTenantAsync("devices:read", "devices:write");
        var budget = await ReadBudgetAsync(await client.PostJsonAsync("/v1/budgets", """{"name":"Kitchen","tag":"room:kitchen","period":"day","energyWh":10}"""));

        var problem = await (await client.PatchJsonAsync($"/v1/budgets/{budget.Id}", body)).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Equal(budget, await ReadBudgetAsync(await client.GetAsync($"/v1/budgets/{budget.Id}", Ct)));
    }

    [Fact]
    public async Task Another_organization_sees_none_of_the_budgets_nor_may_budget_its_devices()
    {
        var (_, acme) = await App.CreateTenantAsync("devices:read", "devices:write");
        var (_, other) = await App.CreateTenantAsync("devices:read", "devices:write");
        var device = await SmartApiApplication.CreateDeviceAsync(acme);
        var budget = await ReadBudgetAsync(await acme.PostJsonAsync("/v1/budgets", $$"""{"name":"Kettle","deviceId":"{{device.Id}}","period":"day","energyWh":1}"""));

        await (await other.GetAsync($"/v1/budgets/{budget.Id}", Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await other.PatchJsonAsync($"/v1/budgets/{budget.Id}", """{"name":"Mine"}""")).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await other.DeleteAsync($"/v1/budgets/{budget.Id}", Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await other.PostJsonAsync("/v1/budgets", $$"""{"name":"Theirs","deviceId":"{{device.Id}}","period":"day","energyWh":1}"""))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        var listed = await (await other.GetAsync("/v1/budgets", Ct)).ReadAsync(SmartApiJsonContext.Default.PageBudgetResponse);
        Assert.Empty(listed.Data);
        Assert.Equal("Kettle", (await ReadBudgetAsync(await acme.GetAsync($"/v1/budgets/{budget.Id}", Ct))).Name);
    }

    [Fact]
    public async Task Reading_needs_devices_read_and_changing_needs_devices_write()
    {
        var (_, reader) = await App.CreateTenantAsync("devices:read");
        var (_, events) = await App.CreateTenantAsync("events:read");

        await (await reader.PostJsonAsync("/v1/budgets", """{"name":"B","tag":"a:b","period":"day","energyWh":1}""")).ProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/v1/budgets", Ct)).StatusCode);
        await (await events.GetAsync("/v1/budgets", Ct)).ProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");
    }
}
