using System.Net;
using SmartApi.Contracts;

namespace SmartApi.Server.Tests.Devices;

public class DeviceTests(AppFixture fixture) : ServerTest(fixture)
{
    [Fact]
    public async Task Create_returns_device_with_credentials_once()
    {
        var (_, client) = await App.CreateTenantAsync("devices:read", "devices:write", "events:read");
        var response = await client.PostJsonAsync("/v1/devices",
            """{"serial":"DT31-000123","name":"Coffee machine","model":"DT31","tags":{"room":"kitchen"}}""");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var device = await response.ReadAsync(SmartApiJsonContext.Default.DeviceResponse);
        Assert.StartsWith("dev_", device.Id);
        Assert.Equal($"/v1/devices/{device.Id}", response.Headers.Location?.ToString());
        Assert.Equal("DT31-000123", device.Credentials!.MqttUsername);
        Assert.True(device.Credentials.MqttPassword.Length >= 43);
        Assert.False(device.Online);
        Assert.Equal(SwitchState.Unknown, device.Switch);
        Assert.Equal(PowerOnState.Last, device.Settings.PowerOnState);
        Assert.Equal("kitchen", device.Tags["room"]);

        var body = await (await client.GetAsync($"/v1/devices/{device.Id}", Ct)).Content.ReadAsStringAsync(Ct);
        Assert.DoesNotContain(device.Credentials.MqttPassword, body, StringComparison.Ordinal);
        Assert.DoesNotContain("credentials", body, StringComparison.Ordinal);
        Assert.Contains("\"createdAt\":\"20", body, StringComparison.Ordinal);
        Assert.Matches("\"createdAt\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{1,3})?Z\"", body);

        var events = await (await client.GetAsync("/v1/events", Ct)).ReadAsync(SmartApiJsonContext.Default.PageEventResponse);
        var created = Assert.Single(events.Data);
        Assert.Equal("device.created", created.Type);
        Assert.Equal(device.Id, created.Data.GetProperty("deviceId").GetString());
        Assert.Equal(1, created.Data.GetProperty("sequence").GetInt64());
        Assert.Equal("DT31-000123", created.Data.GetProperty("serial").GetString());
    }

    [Fact]
    public async Task Duplicate_serial_in_one_organization_is_409()
    {
        var (_, client) = await App.CreateTenantAsync("devices:write");
        await SmartApiApplication.CreateDeviceAsync(client, "DT31-DUP");
        var response = await client.PostJsonAsync("/v1/devices", """{"serial":"DT31-DUP","name":"again"}""");
        await response.ProblemAsync(HttpStatusCode.Conflict, "serial_taken");
    }

    [Theory]
    [InlineData("""{"name":"x"}""", "serial")]
    [InlineData("""{"serial":"DT31-1"}""", "name")]
    [InlineData("""{"serial":"has/slash","name":"x"}""", "serial")]
    [InlineData("""{"serial":"DT31-1","name":"x","model":""}""", "model")]
    [InlineData("""{"serial":"DT31-1","name":"   "}""", "name")]
    [InlineData("""{"serial":"DT31-1","name":"x","tags":{"room":null}}""", "tags.room")]
    public async Task Invalid_device_is_400_with_field_errors(string body, string field)
    {
        var response = await App.Admin.PostJsonAsync("/v1/devices", body);
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"errors should name {field}");
    }

    [Fact]
    public async Task Too_many_tags_is_400()
    {
        var tags = string.Join(",", Enumerable.Range(0, 51).Select(i => $"\"k{i}\":\"v\""));
        var response = await App.Admin.PostJsonAsync("/v1/devices", "{\"serial\":\"DT31-TAGS\",\"name\":\"x\",\"tags\":{" + tags + "}}");
        await response.ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task List_pages_with_cursor_and_filters()
    {
        var (_, client) = await App.CreateTenantAsync("devices:read", "devices:write");
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await SmartApiApplication.CreateDeviceAsync(client, $"DT31-P{i}",
                new Dictionary<string, string> { ["room"] = i % 2 == 0 ? "kitchen" : "cellar", ["quote\"key"] = "v" })).Id);
        }
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await (await client.GetAsync($"/v1/devices?limit=2{(cursor is null ? "" : "&after=" + cursor)}", Ct))
                .ReadAsync(SmartApiJsonContext.Default.PageDeviceResponse);
            Assert.True(page.Data.Count <= 2);
            seen.AddRange(page.Data.Select(d => d.Id));
            Assert.Equal(page.HasMore, page.NextCursor is not null);
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        Assert.Equal(ids, seen);

        var kitchen = await (await client.GetAsync("/v1/devices?tag=room:kitchen", Ct)).ReadAsync(SmartApiJsonContext.Default.PageDeviceResponse);
        Assert.Equal([ids[0], ids[2], ids[4]], kitchen.Data.Select(d => d.Id));
        var tagged = await (await client.GetAsync("/v1/devices?tag=room", Ct)).ReadAsync(SmartApiJsonContext.Default.PageDeviceResponse);
        Assert.Equal(5, tagged.Data.Count);
        var quoted = await (await client.GetAsync("/v1/devices?tag=" + Uri.EscapeDataString("quote\"key:v"), Ct)).ReadAsync(SmartApiJsonContext.Default.PageDeviceResponse);
        Assert.Equal(5, quoted.Data.Count);
        var none = await (await client.GetAsync("/v1/devices?tag=room:garage", Ct)).ReadAsync(SmartApiJsonContext.Default.PageDeviceResponse);
        Assert.Empty(none.Data);
        var online = await (await client.GetAsync("/v1/devices?online=true", Ct)).ReadAsync(SmartApiJsonContext.Default.PageDeviceResponse);
        Assert.Empty(online.Data);
        var offline = await (await client.GetAsync("/v1/devices?online=false", Ct)).ReadAsync(SmartApiJsonContext.Default.PageDeviceResponse);
        Assert.Equal(5, offline.Data.Count);
    }

    [Fact]
    public async Task Count_answers_what_the_list_filters_select_in_the_callers_organization_only()
    {
        var (_, client) = await App.CreateTenantAsync("devices:read", "devices:write");
        var (_, other) = await App.CreateTenantAsync("devices:read", "devices:write");
        for (var i = 0; i < 5; i++)
        {
            await SmartApiApplication.CreateDeviceAsync(client, tags: new Dictionary<string, string> { ["room"] = i % 2 == 0 ? "kitchen" : "cellar" });
        }
        await SmartApiApplication.CreateDeviceAsync(other, tags: new Dictionary<string, string> { ["room"] = "kitchen" });

        async Task<long> CountAsync(HttpClient caller, string query) =>
            (await (await caller.GetAsync("/v1/devices/count" + query, Ct)).ReadAsync(SmartApiJsonContext.Default.DeviceCount)).Count;

        Assert.Equal(5, await CountAsync(client, ""));
        Assert.Equal(3, await CountAsync(client, "?tag=room:kitchen"));
        Assert.Equal(5, await CountAsync(client, "?tag=room"));
        Assert.Equal(0, await CountAsync(client, "?tag=room:garage"));
        Assert.Equal(0, await CountAsync(client, "?online=true"));
        Assert.Equal(3, await CountAsync(client, "?online=false&tag=room:kitchen"));
        Assert.Equal(1, await CountAsync(other, ""));
    }

    [Theory]
    [InlineData("online=maybe", "invalid_parameter")]
    [InlineData("tag=:x", "validation_failed")]
    public async Task Bad_count_parameters_are_400(string query, string code)
    {
        var response = await App.Admin.GetAsync($"/v1/devices/count?{query}", Ct);
        await response.ProblemAsync(HttpStatusCode.BadRequest, code);
    }

    [Theory]
    [InlineData("limit=0", "validation_failed")]
    [InlineData("limit=501", "validation_failed")]
    [InlineData("limit=abc", "invalid_parameter")]
    [InlineData("after=not-a-cursor", "invalid_cursor")]
    [InlineData("online=maybe", "invalid_parameter")]
    [InlineData("tag=:x", "validation_failed")]
    public async Task Bad_list_parameters_are_400(string query, string code)
    {
        var response = await App.Admin.GetAsync($"/v1/devices?{query}", Ct);
        await response.ProblemAsync(HttpStatusCode.BadRequest, code);
    }

    [Fact]
    public async Task Patch_merges_tags_changes_settings_and_emits_changes()
    {
        var (_, client) = await App.CreateTenantAsync("devices:read", "devices:write", "events:read");
        var device = await SmartApiApplication.CreateDeviceAsync(client, tags: new() { ["room"] = "kitchen", ["floor"] = "1" });

        var response = await client.PatchJsonAsync($"/v1/devices/{device.Id}",
            """{"name":"Espresso","tags":{"floor":null,"owner":"ana"},"settings":{"powerOnState":"off"}}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var updated = await response.ReadAsync(SmartApiJsonContext.Default.DeviceResponse);
        Assert.Equal("Espresso", updated.Name);
        Assert.Equal(new Dictionary<string, string> { ["room"] = "kitchen", ["owner"] = "ana" }, updated.Tags);
        Assert.Equal(PowerOnState.Off, updated.Settings.PowerOnState);
        Assert.True(updated.UpdatedAt >= device.UpdatedAt);

        var events = await (await client.GetAsync("/v1/events?types=device.updated", Ct)).ReadAsync(SmartApiJsonContext.Default.PageEventResponse);
        var changed = Assert.Single(events.Data);
        var changes = changed.Data.GetProperty("changes");
        Assert.Equal("Device", changes.GetProperty("name").GetProperty("from").GetString());
        Assert.Equal("last", changes.GetProperty("settings.powerOnState").GetProperty("from").GetString());
        Assert.Equal("1", changes.GetProperty("tags").GetProperty("from").GetProperty("floor").GetString());
        Assert.Equal(2, changed.Data.GetProperty("sequence").GetInt64());

        // A patch that changes nothing emits nothing.
        Assert.Equal(HttpStatusCode.OK, (await client.PatchJsonAsync($"/v1/devices/{device.Id}", """{"name":"Espresso"}""")).StatusCode);
        var after = await (await client.GetAsync("/v1/events?types=device.updated", Ct)).ReadAsync(SmartApiJsonContext.Default.PageEventResponse);
        Assert.Single(after.Data);
    }

    [Theory]
    [InlineData("""{"settings":{"powerOnState":"sometimes"}}""", "invalid_json")]
    [InlineData("""{"name":""}""", "validation_failed")]
    [InlineData("""{"serial":"cannot-change"}""", "invalid_json")]
    public async Task Invalid_patch_is_400(string body, string code)
    {
        var device = await SmartApiApplication.CreateDeviceAsync(App.Admin);
        await (await App.Admin.PatchJsonAsync($"/v1/devices/{device.Id}", body)).ProblemAsync(HttpStatusCode.BadRequest, code);
    }

    [Fact]
    public async Task Delete_removes_device_and_emits_deleted()
    {
        var (_, client) = await App.CreateTenantAsync("devices:read", "devices:write", "events:read");
        var device = await SmartApiApplication.CreateDeviceAsync(client);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/devices/{device.Id}", Ct)).StatusCode);
        await (await client.GetAsync($"/v1/devices/{device.Id}", Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await client.DeleteAsync($"/v1/devices/{device.Id}", Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        var events = await (await client.GetAsync($"/v1/events?deviceId={device.Id}", Ct)).ReadAsync(SmartApiJsonContext.Default.PageEventResponse);
        Assert.Equal(["device.created", "device.deleted"], events.Data.Select(e => e.Type));
        // The serial is free again.
        await SmartApiApplication.CreateDeviceAsync(client, device.Serial);
    }

    [Fact]
    public async Task Switch_stores_a_pending_command()
    {
        var (_, client) = await App.CreateTenantAsync("devices:read", "devices:write");
        var device = await SmartApiApplication.CreateDeviceAsync(client);
        var response = await client.PostJsonAsync($"/v1/devices/{device.Id}/switch", """{"state":"toggle"}""");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var command = await response.ReadAsync(SmartApiJsonContext.Default.CommandResponse);
        Assert.StartsWith("cmd_", command.Id);
        Assert.Equal(CommandStatus.Pending, command.Status);
        Assert.Equal(SwitchAction.Toggle, command.State);
        Assert.True(command.ExpiresAt > command.CreatedAt);
        Assert.Equal(("api", null), (command.Source, command.AutomationId));
        Assert.Equal($"/v1/devices/{device.Id}/commands/{command.Id}", response.Headers.Location?.ToString());

        var fetched = await (await client.GetAsync($"/v1/devices/{device.Id}/commands/{command.Id}", Ct)).ReadAsync(SmartApiJsonContext.Default.CommandResponse);
        Assert.Equal(command, fetched);
        var list = await (await client.GetAsync($"/v1/devices/{device.Id}/commands", Ct)).ReadAsync(SmartApiJsonContext.Default.PageCommandResponse);
        Assert.Equal([command.Id], list.Data.Select(c => c.Id));
    }

    [Theory]
    [InlineData("""{"state":"dim"}""", "invalid_json")]
    [InlineData("""{}""", "validation_failed")]
    [InlineData("""{"state":1}""", "invalid_json")]
    public async Task Invalid_switch_is_400(string body, string code)
    {
        var device = await SmartApiApplication.CreateDeviceAsync(App.Admin);
        await (await App.Admin.PostJsonAsync($"/v1/devices/{device.Id}/switch", body)).ProblemAsync(HttpStatusCode.BadRequest, code);
    }

    [Fact]
    public async Task Unknown_device_is_404()
    {
        const string missing = "dev_01M8BQWSSN0C43SSNM7Z9ZPGRB";
        await (await App.Admin.GetAsync($"/v1/devices/{missing}", Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await App.Admin.GetAsync("/v1/devices/garbage", Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await App.Admin.PostJsonAsync($"/v1/devices/{missing}/switch", """{"state":"on"}""")).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await App.Admin.GetAsync($"/v1/devices/{missing}/commands/cmd_01M8BQWSSN0C43SSNM7Z9ZPGRB", Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
    }
}
