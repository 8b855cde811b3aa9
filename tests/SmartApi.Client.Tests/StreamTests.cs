using System.Net;
using SmartApi.Contracts;

namespace SmartApi.Client.Tests;

/// <summary>The live stream through the client: resume after a dropped connection, filters, errors.</summary>
public sealed class StreamTests(ClientFixture fixture) : ClientTest(fixture)
{
    private static CreateDeviceRequest NewDevice() => new("DT31-" + Guid.NewGuid().ToString("N")[..10], "Streamed");

    [Fact]
    public async Task A_dropped_stream_reconnects_with_Last_Event_ID_and_loses_and_repeats_nothing()
    {
        var (_, writer) = await Fixture.TenantAsync("devices:write", "events:read", "keys:manage");
        using var _ = writer;
        await writer.Devices.CreateAsync(NewDevice(), cancellationToken: Ct);
        var start = (await writer.Events.ListPageAsync(cancellationToken: Ct)).Data[0].Id;
        for (var i = 0; i < 8; i++)
        {
            await writer.Devices.CreateAsync(NewDevice(), cancellationToken: Ct);
        }
        var expected = await writer.Events.ListAsync(after: start, cancellationToken: Ct).Select(e => e.Id).ToListAsync(Ct);

        // The first connection breaks after about three events, in the middle of the fourth.
        var clock = new ArmedClock();
        var breaker = new BreakingHandler(firstStreamBytes: 1000);
        var key = await writer.ApiKeys.CreateAsync(new("stream", ["events:read"]), cancellationToken: Ct);
        using var reader = new SmartApiClient(new SmartApiClientOptions { BaseAddress = Fixture.App.BaseAddress, ApiKey = key.Key, TimeProvider = clock }, breaker);
        var disconnects = 0;
        var receivedBeforeDrop = -1;
        var received = new List<StreamedEvent>();
        var options = new EventStreamOptions
        {
            After = start,
            Disconnected = _ =>
            {
                receivedBeforeDrop = received.Count;
                Interlocked.Increment(ref disconnects);
            },
        };
        await using var stream = reader.Events.StreamAsync(options, Ct).GetAsyncEnumerator(Ct);
        var moving = StepClockWhileWaitingAsync(clock, () => Volatile.Read(ref disconnects) > 0);
        while (received.Count < expected.Count)
        {
            Assert.True(await stream.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30), Ct));
            received.Add(stream.Current);
        }
        await moving;

        Assert.Equal(expected, received.Select(e => e.Id));
        Assert.Equal(1, disconnects);
        Assert.Equal(2, breaker.Streams.Count);
        Assert.Equal(start, breaker.Streams[0]);
        Assert.InRange(receivedBeforeDrop, 1, expected.Count - 1);
        Assert.Equal(received[receivedBeforeDrop - 1].Id, breaker.Streams[1]);
        var parsed = received[^1].ToEvent();
        Assert.Equal((received[^1].Id, "device.created"), (parsed.Id, parsed.Type));
    }

    /// <summary>Advances the reconnect delay (the server's retry: 3 s) once the reader waits on it.</summary>
    private static async Task StepClockWhileWaitingAsync(ArmedClock clock, Func<bool> disconnected)
    {
        while (!disconnected())
        {
            await Task.Delay(10, Ct);
        }
        Assert.Equal(TimeSpan.FromSeconds(3), await clock.NextTimerAsync(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(100)));
        clock.Advance(TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task The_stream_filters_by_type_and_device()
    {
        var (_, client) = await Fixture.TenantAsync("devices:write", "events:read");
        using var _ = client;
        var watched = await client.Devices.CreateAsync(NewDevice(), cancellationToken: Ct);
        var start = (await client.Events.ListPageAsync(cancellationToken: Ct)).Data[0].Id;
        var other = await client.Devices.CreateAsync(NewDevice(), cancellationToken: Ct);
        await client.Devices.UpdateAsync(other.Id, new(Name: "other"), Ct);
        await client.Devices.UpdateAsync(watched.Id, new(Name: "watched"), Ct);

        await using var stream = client.Events.StreamAsync(["device.updated"], watched.Id, start, Ct).GetAsyncEnumerator(Ct);
        Assert.True(await stream.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30), Ct));
        Assert.Equal("watched", stream.Current.ToEvent().Data.GetProperty("name").GetString());
    }

    [Fact]
    public async Task A_stream_without_the_scope_throws_the_problem()
    {
        var (_, client) = await Fixture.TenantAsync("devices:read");
        using var _ = client;
        var error = await Assert.ThrowsAsync<SmartApiException>(async () =>
        {
            await foreach (var _ in client.Events.StreamAsync(cancellationToken: Ct))
            {
            }
        });
        Assert.Equal((HttpStatusCode.Forbidden, "insufficient_scope"), (error.StatusCode, error.Code));
    }
}

/// <summary>Real sockets; the first event stream's body fails with an IOException after some bytes, like a dropped connection.</summary>
internal sealed class BreakingHandler(int firstStreamBytes) : DelegatingHandler(new SocketsHttpHandler())
{
    /// <summary>The Last-Event-ID of each stream request, in order.</summary>
    public List<string?> Streams { get; } = [];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var isStream = request.RequestUri!.AbsolutePath.EndsWith("/stream", StringComparison.Ordinal);
        if (isStream)
        {
            Streams.Add(request.Headers.TryGetValues("Last-Event-ID", out var values) ? values.Single() : null);
        }
        var response = await base.SendAsync(request, cancellationToken);
        if (isStream && Streams.Count == 1)
        {
            var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var content = new StreamContent(new BreakingStream(body, firstStreamBytes));
            foreach (var header in response.Content.Headers)
            {
                content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
            response.Content = content;
        }
        return response;
    }

    private sealed class BreakingStream(Stream inner, int limit) : Stream
    {
        private int _read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_read >= limit)
            {
                throw new IOException("The connection dropped (test).");
            }
            var read = await inner.ReadAsync(buffer[..Math.Min(buffer.Length, limit - _read)], cancellationToken);
            _read += read;
            return read;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
