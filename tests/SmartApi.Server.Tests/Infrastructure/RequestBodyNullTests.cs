using System.Net;
using SmartApi.Contracts;

namespace SmartApi.Server.Tests.Infrastructure;

/// <summary>
/// A null where the contract has no room for one (defect 5 of issue 12: <c>actions: [null]</c> was a 500)
/// answers 400 <c>validation_failed</c> naming the path, on every endpoint that takes a body.
/// </summary>
public sealed class RequestBodyNullTests(AppFixture fixture) : ServerTest(fixture)
{
    private const string Hook = """{"type":"webhook","url":"https://erp.example.com/smart"}""";

    [Theory]
    [InlineData("POST /v1/automations", """{"name":"x","trigger":{"events":["*"]},"actions":[null]}""", "actions[0]")]
    [InlineData("POST /v1/automations", """{"name":"x","trigger":{"events":["*"]},"conditions":[null],"actions":[HOOK]}""", "conditions[0]")]
    [InlineData("POST /v1/automations", """{"name":"x","trigger":{"events":["*"]},"conditions":[{"type":"weekdays","days":["mon",null]}],"actions":[HOOK]}""", "conditions[0].days[1]")]
    [InlineData("POST /v1/automations", """{"name":"x","trigger":{"events":[null]},"actions":[HOOK]}""", "trigger.events[0]")]
    [InlineData("POST /v1/automations", """{"name":"x","trigger":{"events":["*"],"deviceIds":[null]},"actions":[HOOK]}""", "trigger.deviceIds[0]")]
    [InlineData("POST /v1/automations", """{"name":"x","trigger":{"power":{"deviceIds":[null],"operator":"<","value":5}},"actions":[HOOK]}""", "trigger.power.deviceIds[0]")]
    [InlineData("POST /v1/automations", """{"name":"x","trigger":{"events":["*"]},"actions":[{"type":"webhook","url":"https://erp.example.com/smart","headers":{"X-Token":null}}]}""", "actions[0].headers.X-Token")]
    [InlineData("PATCH /v1/automations/AUT", """{"actions":[null]}""", "actions[0]")]
    [InlineData("PATCH /v1/automations/AUT", """{"conditions":[null]}""", "conditions[0]")]
    [InlineData("PATCH /v1/automations/AUT", """{"conditions":[{"type":"weekdays","days":[null]}]}""", "conditions[0].days[0]")]
    [InlineData("PATCH /v1/automations/AUT", """{"trigger":{"events":["*"],"deviceIds":[null]}}""", "trigger.deviceIds[0]")]
    [InlineData("POST /v1/devices", """{"serial":"NULL-TAG","name":"x","tags":{"room":null}}""", "tags.room")]
    [InlineData("POST /v1/api-keys", """{"name":"k","scopes":[null]}""", "scopes[0]")]
    [InlineData("POST /v1/api-keys", """{"name":"k","scopes":["devices:read",null,null]}""", "scopes[2]")]
    public async Task A_null_the_contract_does_not_allow_is_400_naming_its_path(string target, string body, string field)
    {
        var automation = await CreateAutomationAsync();
        var (method, path) = (target[..target.IndexOf(' ', StringComparison.Ordinal)], target[(target.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
        using var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("AUT", automation.Id, StringComparison.Ordinal))
        {
            Content = Http.Json(body.Replace("HOOK", Hook, StringComparison.Ordinal)),
        };
        var response = await App.Admin.SendAsync(request, Ct);
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task A_null_the_contract_allows_still_means_what_it_says()
    {
        // On PATCH, a null tag value removes the tag: Dictionary<string, string?> in the contract.
        var device = await SmartApiApplication.CreateDeviceAsync(App.Admin, tags: new() { ["room"] = "kitchen", ["floor"] = "1" });
        var response = await App.Admin.PatchJsonAsync($"/v1/devices/{device.Id}", """{"tags":{"room":null}}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var updated = await response.ReadAsync(SmartApiJsonContext.Default.DeviceResponse);
        Assert.Equal(new Dictionary<string, string> { ["floor"] = "1" }, updated.Tags);
    }

    private async Task<AutomationResponse> CreateAutomationAsync()
    {
        var response = await App.Admin.PostJsonAsync("/v1/automations", $$"""{"name":"nulls","trigger":{"events":["*"]},"actions":[{{Hook}}]}""");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.ReadAsync(SmartApiJsonContext.Default.AutomationResponse);
    }
}
