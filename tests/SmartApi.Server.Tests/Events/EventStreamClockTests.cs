using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SmartApi.Server.Events;
using SmartApi.Storage;

namespace SmartApi.Server.Tests.Events;

/// <summary>Heartbeats, the write timeout and the stream limit, on a server whose clock is a FakeTimeProvider.</summary>
public sealed class EventStreamClockTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private SmartApiApplication _app = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() =>
        _app = await SmartApiApplication.StartAsync(new Dictionary<string, string?>
        {
            ["SmartApi:Events:StreamHeartbeat"] = "00:00:30",
            ["SmartApi:Events:StreamWriteTimeout"] = "00:00:05",
            ["SmartApi:Events:MaxStreamsPerOrganization"] = "2",
        }, configure: builder => builder.Services.AddSingleton<TimeProvider>(_time));

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task An_idle_stream_sends_a_heartbeat_when_the_interval_has_passed()
    {
        var (_, client) = await _app.CreateTenantAsync("events:read");
        var (response, reader) = await EventStreamTests.OpenAsync(client, "/v1/events/stream");
        using (response)
        using (reader)
        {
            var next = reader.ReadAsync(Ct);
            _time.Advance(TimeSpan.FromSeconds(20));
            // Fallback polls run, but nothing is written before the heartbeat is due.
            Assert.NotSame(next, await Task.WhenAny(next, Task.Delay(200, Ct)));
            var message = await AdvanceUntilAsync(next, TimeSpan.FromSeconds(10));
            Assert.Equal("heartbeat", message?.Comment);
        }
    }

    [Fact]
    public async Task A_stream_ends_at_the_next_heartbeat_once_its_key_is_revoked_and_the_reconnect_is_401()
    {
        var key = await _app.CreateApiKeyAsync(["events:read"]);
        var client = _app.CreateClient(key.Key);
        var (response, reader) = await EventStreamTests.OpenAsync(client, "/v1/events/stream");
        using (response)
        using (reader)
        {
            // Still active: the heartbeat comes.
            var first = await AdvanceUntilAsync(reader.ReadAsync(Ct), TimeSpan.FromSeconds(30));
            Assert.Equal("heartbeat", first?.Comment);

            using var revoke = await _app.Admin.PostAsync($"/v1/api-keys/{key.Id}/revoke", null, Ct);
            revoke.EnsureSuccessStatusCode();
            // At the next heartbeat the key is re-checked and the stream ends instead.
            var next = await AdvanceUntilAsync(reader.ReadAsync(Ct), TimeSpan.FromSeconds(30));
            Assert.Null(next);
        }
        using var again = new HttpRequestMessage(HttpMethod.Get, "/v1/events/stream");
        await (await client.SendAsync(again, Ct)).ProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task A_client_that_does_not_read_is_disconnected_while_a_fast_one_keeps_receiving()
    {
        var (organizationId, fast) = await _app.CreateTenantAsync("events:read");
        var limiter = _app.Services.GetRequiredService<EventStreamLimiter>();
        // The fast client takes only small events, so its writes never wait on the socket and the
        // clock can move without putting it at risk: what is measured is the slow client alone.
        var (fastResponse, fastReader) = await EventStreamTests.OpenAsync(fast, "/v1/events/stream?types=device.online");
        // The slow client has a tiny socket receive buffer and never reads after the first line.
        using var slowHandler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, token) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096, NoDelay = true };
                await socket.ConnectAsync(context.DnsEndPoint, token);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        using var slow = new HttpClient(slowHandler) { BaseAddress = _app.BaseAddress };
        slow.DefaultRequestHeaders.Authorization = fast.DefaultRequestHeaders.Authorization;
        var (slowResponse, slowReader) = await EventStreamTests.OpenAsync(slow, "/v1/events/stream");
        Assert.Equal(2, limiter.OpenStreams(organizationId));

        var store = _app.Services.GetRequiredService<ISmartApiStore>();
        var ids = _app.Services.GetRequiredService<IdGenerator>();
        var padding = new string('x', 4000);
        var appended = new List<string>();
        var fastReceived = new List<string>();
        var fastExpected = new List<string>();
        for (var round = 0; round < 200 && limiter.OpenStreams(organizationId) == 2; round++)
        {
            // 64 KiB more for the slow stream and one small event for both, which the fast client
            // reads before the clock moves.
            appended.AddRange(await store.WriteAsync(async tx =>
            {
                var batch = new List<string>();
                for (var i = 0; i < 16; i++)
                {
                    var big = new NewEvent(ids.New("evt"), organizationId, "automation.test", null,
                        _time.GetUtcNow(), $$"""{"automationId":"aut_x","padding":"{{padding}}"}""");
                    await tx.AppendEventAsync(big);
                    batch.Add(big.Id);
                }
                var small = new NewEvent(ids.New("evt"), organizationId, "device.online", null, _time.GetUtcNow(), "{}");
                await tx.AppendEventAsync(small);
                batch.Add(small.Id);
                fastExpected.Add(small.Id);
                return batch;
            }, Ct));
            while (fastReceived.Count < fastExpected.Count)
            {
                fastReceived.Add((await fastReader.ReadEventAsync(Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct))!.Id!);
            }
            _time.Advance(TimeSpan.FromSeconds(6));
            for (var wait = 0; wait < 20 && limiter.OpenStreams(organizationId) == 2; wait++)
            {
                await Task.Delay(10, Ct);
            }
        }
        Assert.Equal(1, limiter.OpenStreams(organizationId));
        Assert.Equal(fastExpected, fastReceived);

        // The fast stream goes on after the slow one was dropped.
        var after = await store.AppendEventAsync(new NewEvent(ids.New("evt"), organizationId, "device.online", null,
            _time.GetUtcNow(), "{}"), cancellationToken: Ct);
        Assert.Equal(after.Id, (await fastReader.ReadEventAsync(Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct))!.Id);

        // What the slow client did get is a gap-free prefix of the log, and then the stream ends.
        var slowReceived = new List<string>();
        try
        {
            while (await slowReader.ReadEventAsync(Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct) is { } message)
            {
                slowReceived.Add(message.Id!);
            }
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
        }
        Assert.True(slowReceived.Count < appended.Count, $"the slow client got all {appended.Count} events");
        Assert.Equal(appended.Take(slowReceived.Count), slowReceived);
        fastReader.Dispose();
        fastResponse.Dispose();
        slowReader.Dispose();
        slowResponse.Dispose();
    }

    [Fact]
    public async Task Streams_over_the_organization_limit_are_429_until_one_closes()
    {
        var (organizationId, client) = await _app.CreateTenantAsync("events:read");
        var (first, firstReader) = await EventStreamTests.OpenAsync(client, "/v1/events/stream");
        var (second, secondReader) = await EventStreamTests.OpenAsync(client, "/v1/events/stream");
        await (await client.GetAsync("/v1/events/stream", Ct)).ProblemAsync(HttpStatusCode.TooManyRequests, "too_many_streams");
        // Another organization has its own limit.
        var (_, other) = await _app.CreateTenantAsync("events:read");
        var (third, thirdReader) = await EventStreamTests.OpenAsync(other, "/v1/events/stream");

        firstReader.Dispose();
        first.Dispose();
        var limiter = _app.Services.GetRequiredService<EventStreamLimiter>();
        for (var wait = 0; wait < 500 && limiter.OpenStreams(organizationId) == 2; wait++)
        {
            // The server notices the closed connection at its next write: a heartbeat.
            _time.Advance(TimeSpan.FromSeconds(30));
            await Task.Delay(10, Ct);
        }
        var (again, againReader) = await EventStreamTests.OpenAsync(client, "/v1/events/stream");
        foreach (var disposable in new IDisposable[] { secondReader, second, thirdReader, third, againReader, again })
        {
            disposable.Dispose();
        }
    }

    /// <summary>Steps the clock until the read completes: the stream arms its timer on the fake clock after each round.</summary>
    private async Task<SseMessage?> AdvanceUntilAsync(Task<SseMessage?> read, TimeSpan by)
    {
        _time.Advance(by);
        for (var step = 0; step < 100; step++)
        {
            if (await Task.WhenAny(read, Task.Delay(50, Ct)) == read)
            {
                return await read;
            }
            _time.Advance(TimeSpan.FromSeconds(1));
        }
        throw new TimeoutException("no message after stepping the clock");
    }
}
