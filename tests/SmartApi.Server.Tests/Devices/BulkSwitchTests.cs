using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using SmartApi.Contracts;
using SmartApi.Storage;

namespace SmartApi.Server.Tests.Devices;

/// <summary>POST /v1/devices/switch and GET /v1/command-batches/{batchId} over HTTP, on SQLite.</summary>
public class BulkSwitchTests(AppFixture fixture) : ServerTest(fixture)
{
    private static readonly Dictionary<string, string> Kitchen = new() { ["room"] = "kitchen" };

    [Fact]
    public async Task A_tag_switches_each_of_its_devices_with_its_own_command_in_one_batch()
    {
        var (_, client) = await App.CreateTenantAsync("devices:read", "devices:write");
        var kitchen = new List<DeviceResponse>();
        for (var i = 0; i < 3; i++)
        {
            kitchen.Add(await SmartApiApplication.CreateDeviceAsync(client, tags: Kitchen));
        }
        var office = await SmartApiApplication.CreateDeviceAsync(client, tags: new() { ["room"] = "office" });

        var response = await client.PostJsonAsync("/v1/devices/switch", """{"state":"off","tag":"room:kitchen"}""");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var batch = await response.ReadAsync(SmartApiJsonContext.Default.SwitchBatchResponse);
        Assert.StartsWith("cmb_", batch.BatchId);
        Assert.Equal($"/v1/command-batches/{batch.BatchId}", response.Headers.Location?.ToString());
        Assert.Equal(SwitchAction.Off, batch.State);
        Assert.Equal(kitchen.Select(d => d.Id), batch.Commands.Select(c => c.DeviceId));
        Assert.All(batch.Commands, c => Assert.Equal(CommandStatus.Pending, c.Status));
        Assert.Equal(3, batch.Commands.Select(c => c.CommandId).Distinct().Count());
        foreach (var item in batch.Commands)
        {
            var command = await (await client.GetAsync($"/v1/devices/{item.DeviceId}/commands/{item.CommandId}", Ct)).ReadAsync(SmartApiJsonContext.Default.CommandResponse);
            Assert.Equal((SwitchAction.Off, "api", "switch"), (command.State, command.Source, command.Action));
        }
        var officeCommands = await (await client.GetAsync($"/v1/devices/{office.Id}/commands", Ct)).ReadAsync(SmartApiJsonContext.Default.PageCommandResponse);
        Assert.Empty(officeCommands.Data);

        var read = await client.GetAsync($"/v1/command-batches/{batch.BatchId}", Ct);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        var again = await read.ReadAsync(SmartApiJsonContext.Default.SwitchBatchResponse);
        Assert.Equal(batch.BatchId, again.BatchId);
        Assert.Equal(batch.Commands, again.Commands);
    }

    [Fact]
    public async Task A_tag_key_alone_selects_every_value_and_ids_select_exactly_those_devices()
    {
        var (_, client) = await App.CreateTenantAsync("devices:read", "devices:write");
        var a = await SmartApiApplication.CreateDeviceAsync(client, tags: Kitchen);
        var b = await SmartApiApplication.CreateDeviceAsync(client, tags: new() { ["room"] = "cellar" });
        var c = await SmartApiApplication.CreateDeviceAsync(client);

        var byKey = await (await client.PostJsonAsync("/v1/devices/switch", """{"state":"toggle","tag":"room"}"""))
            .ReadAsync(SmartApiJsonContext.Default.SwitchBatchResponse);
        var byIds = await client.PostJsonAsync("/v1/devices/switch", $$"""{"state":"on","deviceIds":["{{c.Id}}","{{a.Id}}"]}""");

        Assert.Equal([a.Id, b.Id], byKey.Commands.Select(x => x.DeviceId));
        Assert.Equal(HttpStatusCode.Accepted, byIds.StatusCode);
        var ids = await byIds.ReadAsync(SmartApiJsonContext.Default.SwitchBatchResponse);
        Assert.Equal([a.Id, c.Id], ids.Commands.Select(x => x.DeviceId));
        Assert.NotEqual(byKey.BatchId, ids.BatchId);
    }

    [Fact]
    public async Task A_tag_matching_no_device_is_200_with_no_batch_and_no_commands()
    {
        var (_, client) = await App.CreateTenantAsync("devices:read", "devices:write");
        await SmartApiApplication.CreateDeviceAsync(client, tags: Kitchen);

        var response = await client.PostJsonAsync("/v1/devices/switch", """{"state":"off","tag":"room:garage"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(response.Headers.Location);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.Equal("""{"batchId":null,"state":"off","commands":[]}""", body);
    }

    [Fact]
    public async Task Another_organizations_device_in_the_list_is_400_and_no_device_is_switched()
    {
        var (_, mine) = await App.CreateTenantAsync("devices:read", "devices:write");
        var (_, theirs) = await App.CreateTenantAsync("devices:read", "devices:write");
        var own = await SmartApiApplication.CreateDeviceAsync(mine);
        var foreign = await SmartApiApplication.CreateDeviceAsync(theirs, tags: Kitchen);

        var response = await mine.PostJsonAsync("/v1/devices/switch", $$"""{"state":"off","deviceIds":["{{own.Id}}","{{foreign.Id}}"]}""");
        var byTag = await (await mine.PostJsonAsync("/v1/devices/switch", """{"state":"off","tag":"room:kitchen"}"""))
            .ReadAsync(SmartApiJsonContext.Default.SwitchBatchResponse);

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        var errors = problem.GetProperty("errors");
        Assert.Contains(foreign.Id, errors.GetProperty("deviceIds[1]")[0].GetString());
        Assert.False(errors.TryGetProperty("deviceIds[0]", out _));
        Assert.Empty(byTag.Commands);
        foreach (var (client, id) in new[] { (mine, own.Id), (theirs, foreign.Id) })
        {
            var commands = await (await client.GetAsync($"/v1/devices/{id}/commands", Ct)).ReadAsync(SmartApiJsonContext.Default.PageCommandResponse);
            Assert.Empty(commands.Data);
        }
    }

    [Theory]
    [InlineData("""{"state":"off"}""", "tag")]
    [InlineData("""{"state":"off","tag":"room:kitchen","deviceIds":["dev_01JD0000000000000000000000"]}""", "deviceIds")]
    [InlineData("""{"tag":"room:kitchen"}""", "state")]
    [InlineData("""{"state":"off","tag":":kitchen"}""", "tag")]
    [InlineData("""{"state":"off","tag":""}""", "tag")]
    [InlineData("""{"state":"off","deviceIds":[]}""", "deviceIds")]
    [InlineData("""{"state":"off","deviceIds":["not-an-id"]}""", "deviceIds[0]")]
    [InlineData("""{"state":"off","deviceIds":["dev_01JD0000000000000000000000","dev_01JD0000000000000000000000"]}""", "deviceIds[1]")]
    [InlineData("""{"state":"off","deviceIds":["dev_01JD0000000000000000000000"]}""", "deviceIds[0]")]
    public async Task Invalid_bulk_switches_are_400_naming_the_field(string body, string field)
    {
        var (_, client) = await App.CreateTenantAsync("devices:read", "devices:write");

        var response = await client.PostJsonAsync("/v1/devices/switch", body);

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"errors should name {field}: {problem}");
    }

    [Fact]
    public async Task Unknown_fields_and_unknown_states_are_400()
    {
        var unknownField = await App.Admin.PostJsonAsync("/v1/devices/switch", """{"state":"off","tag":"room","devices":[]}""");
        var unknownState = await App.Admin.PostJsonAsync("/v1/devices/switch", """{"state":"dim","tag":"room"}""");

        Assert.Equal(HttpStatusCode.BadRequest, unknownField.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, unknownState.StatusCode);
    }

    [Fact]
    public async Task More_than_1000_ids_or_a_tag_over_1000_devices_is_400_and_stores_nothing()
    {
        var (organizationId, client) = await App.CreateTenantAsync("devices:read", "devices:write");
        var ids = Enumerable.Range(0, 1001).Select(_ => App.Services.GetRequiredService<IdGenerator>().New("dev")).ToList();
        var store = App.Services.GetRequiredService<ISmartApiStore>();
        var now = DateTimeOffset.UtcNow;
        await store.WriteAsync(async tx =>
        {
            foreach (var id in ids)
            {
                await tx.InsertDeviceAsync(new Device(id, organizationId, "BULK-" + RandomNumberGenerator.GetHexString(12), "Lamp", null, Kitchen,
                    "last", [1], false, null, "unknown", null, now, now));
            }
            return true;
        }, Ct);

        var tooManyIds = await client.PostAsJsonAsync("/v1/devices/switch", new BulkSwitchRequest(SwitchAction.Off, DeviceIds: ids),
            SmartApiJsonContext.Default.BulkSwitchRequest, Ct);
        var tooManyByTag = await client.PostJsonAsync("/v1/devices/switch", """{"state":"off","tag":"room:kitchen"}""");
        var thousand = await client.PostAsJsonAsync("/v1/devices/switch", new BulkSwitchRequest(SwitchAction.Off, DeviceIds: ids[..1000]),
            SmartApiJsonContext.Default.BulkSwitchRequest, Ct);

        var idsProblem = await tooManyIds.ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(idsProblem.GetProperty("errors").TryGetProperty("deviceIds", out _));
        var tagProblem = await tooManyByTag.ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.Contains("more than 1000", tagProblem.GetProperty("errors").GetProperty("tag")[0].GetString());
        Assert.Empty((await store.ListCommandsAsync(organizationId, ids[1000], new PageRequest(null, 10), Ct)).Items);
        Assert.Equal(HttpStatusCode.Accepted, thousand.StatusCode);
        var batch = await thousand.ReadAsync(SmartApiJsonContext.Default.SwitchBatchResponse);
        Assert.Equal(ids[..1000], batch.Commands.Select(c => c.DeviceId));
        Assert.Equal(1000, (await store.ListBatchCommandsAsync(organizationId, batch.BatchId!, Ct)).Count);
    }

    [Fact]
    public async Task The_same_idempotency_key_and_body_answer_the_first_batch_without_switching_twice()
    {
        var (_, client) = await App.CreateTenantAsync("devices:read", "devices:write");
        var lamp = await SmartApiApplication.CreateDeviceAsync(client, tags: Kitchen);
        var key = Guid.NewGuid().ToString();

        var first = await client.SendAsync(Post("""{"state":"on","tag":"room:kitchen"}""", key), Ct);
        var again = await client.SendAsync(Post("""{"state":"on","tag":"room:kitchen"}""", key), Ct);
        var otherBody = await client.SendAsync(Post("""{"state":"off","tag":"room:kitchen"}""", key), Ct);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal((await first.ReadAsync(SmartApiJsonContext.Default.SwitchBatchResponse)).BatchId,
            (await again.ReadAsync(SmartApiJsonContext.Default.SwitchBatchResponse)).BatchId);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, otherBody.StatusCode);
        var commands = await (await client.GetAsync($"/v1/devices/{lamp.Id}/commands", Ct)).ReadAsync(SmartApiJsonContext.Default.PageCommandResponse);
        Assert.Single(commands.Data);
    }

    [Fact]
    public async Task Batches_need_the_device_scopes_and_stay_in_their_organization()
    {
        var (_, writer) = await App.CreateTenantAsync("devices:read", "devices:write");
        var (_, reader) = await App.CreateTenantAsync("devices:read");
        var (_, other) = await App.CreateTenantAsync("devices:read", "devices:write");
        await SmartApiApplication.CreateDeviceAsync(writer, tags: Kitchen);
        var batch = await (await writer.PostJsonAsync("/v1/devices/switch", """{"state":"on","tag":"room"}"""))
            .ReadAsync(SmartApiJsonContext.Default.SwitchBatchResponse);

        var readOnly = await reader.PostJsonAsync("/v1/devices/switch", """{"state":"on","tag":"room"}""");
        var elsewhere = await other.GetAsync($"/v1/command-batches/{batch.BatchId}", Ct);
        var unknown = await writer.GetAsync($"/v1/command-batches/{App.Services.GetRequiredService<IdGenerator>().New("cmb")}", Ct);
        var malformed = await writer.GetAsync("/v1/command-batches/nonsense", Ct);

        Assert.Equal(HttpStatusCode.Forbidden, readOnly.StatusCode);
        await elsewhere.ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await unknown.ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await malformed.ProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    private static HttpRequestMessage Post(string body, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/devices/switch") { Content = Http.Json(body) };
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }
}
