using System.Net;
using System.Net.Http.Headers;
using SmartApi.Contracts;

namespace SmartApi.Server.Tests.Events;

public class EventStreamTests(AppFixture fixture) : ServerTest(fixture)
{
    internal static async Task<(HttpResponseMessage Response, SseReader Reader)> OpenAsync(HttpClient client, string url, string? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var reader = new SseReader(await response.Content.ReadAsStreamAsync(Ct));
        var connected = await reader.ReadAsync(Ct);
        Assert.Equal("connected", connected?.Comment);
        return (response, reader);
    }

    internal static async Task<List<EventResponse>> ListAllAsync(HttpClient client, string after)
    {
        var all = new List<EventResponse>();
        var cursor = after;
        while (true)
        {
            var page = await (await client.GetAsync($"/v1/events?limit=500&after={cursor}", Ct)).ReadAsync(SmartApiJsonContext.Default.PageEventResponse);
            all.AddRange(page.Data);
            cursor = page.NextCursor!;
            if (!page.HasMore)
            {
                return all;
            }
        }
    }

    private static async Task<string> LatestEventIdAsync(HttpClient client) => (await ListAllAsync(client, await FirstEventIdAsync(client)))
        .LastOrDefault()?.Id ?? await FirstEventIdAsync(client);

    private static async Task<string> FirstEventIdAsync(HttpClient client) =>
        (await (await client.GetAsync("/v1/events?limit=1", Ct)).ReadAsync(SmartApiJsonContext.Default.PageEventResponse)).Data[0].Id;

    [Fact]
    public async Task A_dropped_stream_resumed_with_Last_Event_ID_loses_and_repeats_nothing_while_events_keep_coming()
    {
        var (_, client) = await App.CreateTenantAsync("devices:write", "events:read");
        await SmartApiApplication.CreateDeviceAsync(client);
        var start = await FirstEventIdAsync(client);
        var producing = Task.Run(async () =>
        {
            for (var i = 0; i < 40; i++)
            {
                await SmartApiApplication.CreateDeviceAsync(client);
            }
        }, Ct);

        var received = new List<SseMessage>();
        var (first, firstReader) = await OpenAsync(client, $"/v1/events/stream?after={start}");
        while (received.Count < 10)
        {
            received.Add((await firstReader.ReadEventAsync(Ct))!);
        }
        // The connection drops mid-stream, while devices are still being created.
        firstReader.Dispose();
        first.Dispose();

        // `after` still names the first cursor: Last-Event-ID, sent on reconnect, takes precedence.
        var (second, secondReader) = await OpenAsync(client, $"/v1/events/stream?after={start}", received[^1].Id);
        using (second)
        using (secondReader)
        {
            await producing;
            var log = await ListAllAsync(client, start);
            Assert.Equal(40, log.Count);
            while (received.Count < log.Count)
            {
                received.Add((await secondReader.ReadEventAsync(Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct))!);
            }
            Assert.Equal(log.Select(e => e.Id), received.Select(m => m.Id));
            Assert.Equal(log.Select(e => e.Type), received.Select(m => m.Event));

            // A live event after the history arrives too, and data is the envelope byte for byte.
            var late = await SmartApiApplication.CreateDeviceAsync(client);
            var live = (await secondReader.ReadEventAsync(Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct))!;
            Assert.Equal("device.created", live.Event);
            var envelope = await (await client.GetAsync($"/v1/events/{live.Id}", Ct)).Content.ReadAsStringAsync(Ct);
            Assert.Equal(envelope, live.Data);
            Assert.Contains(late.Id, live.Data!, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Without_a_cursor_the_stream_starts_at_the_latest_event()
    {
        var (_, client) = await App.CreateTenantAsync("devices:write", "events:read");
        await SmartApiApplication.CreateDeviceAsync(client);
        var (response, reader) = await OpenAsync(client, "/v1/events/stream");
        using (response)
        using (reader)
        {
            var device = await SmartApiApplication.CreateDeviceAsync(client);
            var message = (await reader.ReadEventAsync(Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct))!;
            Assert.Contains(device.Id, message.Data!, StringComparison.Ordinal);
            Assert.Equal(await LatestEventIdAsync(client), message.Id);
        }
    }

    [Fact]
    public async Task The_stream_applies_the_type_and_device_filters()
    {
        var (_, client) = await App.CreateTenantAsync("devices:write", "events:read");
        var watched = await SmartApiApplication.CreateDeviceAsync(client);
        var other = await SmartApiApplication.CreateDeviceAsync(client);
        var (response, reader) = await OpenAsync(client, $"/v1/events/stream?types=device.updated,device.deleted&deviceId={watched.Id}&after={await FirstEventIdAsync(client)}");
        using (response)
        using (reader)
        {
            await client.PatchJsonAsync($"/v1/devices/{other.Id}", """{"name":"Other renamed"}""");
            await client.PatchJsonAsync($"/v1/devices/{watched.Id}", """{"name":"First"}""");
            await client.PatchJsonAsync($"/v1/devices/{other.Id}", """{"name":"Other again"}""");
            await client.DeleteAsync($"/v1/devices/{watched.Id}", Ct);

            var update = (await reader.ReadEventAsync(Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct))!;
            Assert.Equal("device.updated", update.Event);
            Assert.Contains("\"First\"", update.Data!, StringComparison.Ordinal);
            // Nothing of the other device and no device.created came in between.
            var deleted = (await reader.ReadEventAsync(Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct))!;
            Assert.Equal("device.deleted", deleted.Event);
            Assert.Contains(watched.Id, deleted.Data!, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("types=device.exploded", HttpStatusCode.BadRequest, "validation_failed")]
    [InlineData("deviceId=nope", HttpStatusCode.BadRequest, "validation_failed")]
    [InlineData("after=evt_01M8BQWSSN0C43SSNM7Z9ZPGRB", HttpStatusCode.BadRequest, "invalid_cursor")]
    [InlineData("after=nonsense", HttpStatusCode.BadRequest, "invalid_cursor")]
    public async Task Bad_stream_requests_are_problems(string query, HttpStatusCode status, string code) =>
        await (await App.Admin.GetAsync($"/v1/events/stream?{query}", Ct)).ProblemAsync(status, code);

    [Fact]
    public async Task A_foreign_Last_Event_ID_is_an_invalid_cursor_and_the_scope_is_events_read()
    {
        var (_, client) = await App.CreateTenantAsync("devices:write", "events:read");
        await SmartApiApplication.CreateDeviceAsync(client);
        var foreign = await FirstEventIdAsync(client);
        var (_, stranger) = await App.CreateTenantAsync("events:read");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/events/stream");
        request.Headers.Add("Last-Event-ID", foreign);
        await (await stranger.SendAsync(request, Ct)).ProblemAsync(HttpStatusCode.BadRequest, "invalid_cursor");

        // SSE clients send Accept: text/event-stream; errors still come as problem+json.
        var (_, reader) = await App.CreateTenantAsync("devices:read");
        using var sse = new HttpRequestMessage(HttpMethod.Get, "/v1/events/stream");
        sse.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        await (await reader.SendAsync(sse, Ct)).ProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");
        using var anonymous = new HttpRequestMessage(HttpMethod.Get, "/v1/events/stream?types=nope");
        anonymous.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        await (await App.CreateClient().SendAsync(anonymous, Ct)).ProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }
}
