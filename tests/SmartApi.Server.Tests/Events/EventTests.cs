using WebhookEventTypes = SmartApi.Webhooks.Events.WebhookEventTypes;
using System.Net;
using SmartApi.Contracts;
using SmartApi.Server.Events;

namespace SmartApi.Server.Tests.Events;

public class EventTests(AppFixture fixture) : ServerTest(fixture)
{
    [Fact]
    public async Task Events_filter_by_type_and_device_and_get_by_id()
    {
        var (organizationId, client) = await App.CreateTenantAsync("devices:write", "events:read");
        var first = await SmartApiApplication.CreateDeviceAsync(client);
        var second = await SmartApiApplication.CreateDeviceAsync(client);
        await client.PatchJsonAsync($"/v1/devices/{first.Id}", """{"name":"Renamed"}""");

        var all = await (await client.GetAsync("/v1/events", Ct)).ReadAsync(SmartApiJsonContext.Default.PageEventResponse);
        Assert.Equal(["device.created", "device.created", "device.updated"], all.Data.Select(e => e.Type));
        Assert.All(all.Data, e => Assert.Equal(organizationId, e.OrganizationId));
        Assert.Equal(all.Data.Select(e => e.Id).Order(StringComparer.Ordinal), all.Data.Select(e => e.Id));

        var updates = await (await client.GetAsync("/v1/events?types=device.updated,device.deleted", Ct)).ReadAsync(SmartApiJsonContext.Default.PageEventResponse);
        Assert.Equal(["device.updated"], updates.Data.Select(e => e.Type));
        var ofSecond = await (await client.GetAsync($"/v1/events?deviceId={second.Id}", Ct)).ReadAsync(SmartApiJsonContext.Default.PageEventResponse);
        Assert.Equal(second.Id, Assert.Single(ofSecond.Data).Data.GetProperty("deviceId").GetString());

        var one = await (await client.GetAsync($"/v1/events/{all.Data[2].Id}", Ct)).ReadAsync(SmartApiJsonContext.Default.EventResponse);
        Assert.Equal(all.Data[2].Id, one.Id);
        Assert.Equal("Renamed", one.Data.GetProperty("name").GetString());
        await (await client.GetAsync("/v1/events/evt_01M8BQWSSN0C43SSNM7Z9ZPGRB", Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task A_poller_passes_nextCursor_back_and_gets_only_new_events()
    {
        var (_, client) = await App.CreateTenantAsync("devices:write", "events:read");
        await SmartApiApplication.CreateDeviceAsync(client);
        var first = await (await client.GetAsync("/v1/events", Ct)).ReadAsync(SmartApiJsonContext.Default.PageEventResponse);
        Assert.False(first.HasMore);
        Assert.Equal(first.Data[^1].Id, first.NextCursor);

        var idle = await (await client.GetAsync($"/v1/events?after={first.NextCursor}", Ct)).ReadAsync(SmartApiJsonContext.Default.PageEventResponse);
        Assert.Empty(idle.Data);
        Assert.Equal(first.NextCursor, idle.NextCursor);

        var device = await SmartApiApplication.CreateDeviceAsync(client);
        var next = await (await client.GetAsync($"/v1/events?after={idle.NextCursor}", Ct)).ReadAsync(SmartApiJsonContext.Default.PageEventResponse);
        Assert.Equal(device.Id, Assert.Single(next.Data).Data.GetProperty("deviceId").GetString());
    }

    [Fact]
    public async Task Order_desc_lists_newest_first_and_its_cursor_pages_towards_older_events()
    {
        var (_, client) = await App.CreateTenantAsync("devices:write", "events:read");
        var first = await SmartApiApplication.CreateDeviceAsync(client);
        var second = await SmartApiApplication.CreateDeviceAsync(client);
        await client.PatchJsonAsync($"/v1/devices/{first.Id}", """{"name":"Renamed"}""");
        await client.PatchJsonAsync($"/v1/devices/{second.Id}", """{"name":"Renamed too"}""");
        var oldestFirst = (await ListAsync(client, "limit=500")).Data.Select(e => e.Id).ToList();

        var asc = await ListAsync(client, "order=asc");
        var newest = await ListAsync(client, "order=desc&limit=3");
        var older = await ListAsync(client, $"order=desc&limit=3&after={newest.NextCursor}");
        var updatesOfFirst = await ListAsync(client, $"order=desc&types=device.updated&deviceId={first.Id}");
        var createdNewestFirst = await ListAsync(client, "order=desc&types=device.created");
        var newerThanOldest = await ListAsync(client, $"after={oldestFirst[0]}&limit=2");

        Assert.Equal(4, oldestFirst.Count);
        Assert.Equal(oldestFirst, asc.Data.Select(e => e.Id));
        Assert.True(newest.HasMore);
        Assert.Equal(Enumerable.Reverse(oldestFirst).Take(3), newest.Data.Select(e => e.Id));
        Assert.Equal(newest.Data[^1].Id, newest.NextCursor);
        Assert.Equal([oldestFirst[0]], older.Data.Select(e => e.Id));
        Assert.False(older.HasMore);
        Assert.Equal(oldestFirst[0], older.NextCursor);
        var update = Assert.Single(updatesOfFirst.Data);
        Assert.Equal(("device.updated", first.Id), (update.Type, update.Data.GetProperty("deviceId").GetString()));
        Assert.Equal([second.Id, first.Id], createdNewestFirst.Data.Select(e => e.Data.GetProperty("deviceId").GetString()));
        Assert.Equal(oldestFirst.Skip(1).Take(2), newerThanOldest.Data.Select(e => e.Id));
    }

    private static async Task<Page<EventResponse>> ListAsync(HttpClient client, string query) =>
        await (await client.GetAsync($"/v1/events?{query}", Ct)).ReadAsync(SmartApiJsonContext.Default.PageEventResponse);

    [Theory]
    [InlineData("types=device.exploded", "validation_failed")]
    [InlineData("deviceId=nope", "validation_failed")]
    [InlineData("after=evt_01M8BQWSSN0C43SSNM7Z9ZPGRB", "invalid_cursor")]
    [InlineData("after=dev_01M8BQWSSN0C43SSNM7Z9ZPGRB", "invalid_cursor")]
    [InlineData("limit=-1", "validation_failed")]
    [InlineData("order=sideways", "validation_failed")]
    [InlineData("order=DESC", "validation_failed")]
    [InlineData("order=desc&after=evt_01M8BQWSSN0C43SSNM7Z9ZPGRB", "invalid_cursor")]
    public async Task Bad_event_queries_are_400(string query, string code)
    {
        await (await App.Admin.GetAsync($"/v1/events?{query}", Ct)).ProblemAsync(HttpStatusCode.BadRequest, code);
    }

    [Fact]
    public async Task Event_types_list_the_whole_catalog_with_schemas()
    {
        var types = await (await App.Admin.GetAsync("/v1/event-types", Ct)).ReadAsync(SmartApiJsonContext.Default.PageEventTypeResponse);
        string[] expected =
        [
            "device.created", "device.updated", "device.deleted", "device.erased", "device.credentials_rotated", "device.online", "device.offline", "device.switched",
            "device.button_pressed", "device.overload", "device.power.threshold_exceeded", "device.power.threshold_cleared",
            "device.energy.counter_reset", "device.energy.reported", "energy.budget_exceeded", "command.succeeded", "command.failed", "command.expired",
            "automation.test", "automation.disabled", "automation.webhook.failing", "automation.webhook.recovered", "automation.scheduled",
        ];
        Assert.Equal(expected.Order(), types.Data.Select(t => t.Type).Order());
        Assert.All(types.Data, t =>
        {
            Assert.False(string.IsNullOrWhiteSpace(t.Description));
            Assert.Equal("object", t.Schema.GetProperty("type").GetString());
            Assert.True(t.Schema.GetProperty("required").GetArrayLength() > 0);
        });
        var switched = types.Data.Single(t => t.Type == "device.switched").Schema;
        Assert.Contains("deviceId", switched.GetProperty("required").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(5, switched.GetProperty("properties").GetProperty("source").GetProperty("enum").GetArrayLength());
    }

    [Fact]
    public async Task Paging_while_events_are_appended_never_skips_or_repeats()
    {
        var (_, client) = await App.CreateTenantAsync("devices:write", "events:read");
        var device = await SmartApiApplication.CreateDeviceAsync(client);
        const int writers = 4, updatesPerWriter = 60;

        var writing = Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < updatesPerWriter; i++)
            {
                var response = await client.PatchJsonAsync($"/v1/devices/{device.Id}", $$"""{"name":"w{{w}}-{{i}}"}""");
                response.EnsureSuccessStatusCode();
            }
        })));

        var seen = new List<EventResponse>();
        string? cursor = null;
        var writersDone = false;
        while (true)
        {
            var page = await (await client.GetAsync($"/v1/events?limit=7{(cursor is null ? "" : "&after=" + cursor)}", Ct))
                .ReadAsync(SmartApiJsonContext.Default.PageEventResponse);
            seen.AddRange(page.Data);
            if (page.Data.Count > 0)
            {
                cursor = page.Data[^1].Id;
            }
            if (!page.HasMore)
            {
                if (writersDone)
                {
                    break;
                }
                writersDone = writing.IsCompleted;
                await Task.Yield();
            }
        }
        await writing;

        Assert.Equal(1 + writers * updatesPerWriter, seen.Count);
        Assert.Equal(seen.Count, seen.Select(e => e.Id).Distinct().Count());
        // Every event of the device carries the next sequence number: no gap, no reordering.
        Assert.Equal(Enumerable.Range(1, seen.Count).Select(i => (long)i), seen.Select(e => e.Data.GetProperty("sequence").GetInt64()));
        var everything = await (await client.GetAsync("/v1/events?limit=500", Ct)).ReadAsync(SmartApiJsonContext.Default.PageEventResponse);
        Assert.Equal(everything.Data.Select(e => e.Id), seen.Select(e => e.Id));
    }

    [Fact]
    public void Catalog_types_match_the_constants()
    {
        // The receiver library's constants are the catalog's source of names; the server uses them too.
        Assert.Equal(WebhookEventTypes.All.Order(), EventCatalog.Types.Order());
    }
}
