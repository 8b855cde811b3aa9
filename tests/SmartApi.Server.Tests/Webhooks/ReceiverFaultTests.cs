using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using SmartApi.Contracts;
using SmartApi.Server.Webhooks.Delivery;
using static SmartApi.Server.Tests.Webhooks.WebhookTestKit;

namespace SmartApi.Server.Tests.Webhooks;

/// <summary>
/// Fault test: receivers that hang, answer slowly, answer 1 MB or never end their body do not delay
/// a healthy receiver's deliveries, and the delivery log keeps only the first 1 KiB of a response.
/// </summary>
public sealed class ReceiverFaultTests
{
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(2);
    private static readonly byte[] OneMegabyte = Enumerable.Repeat((byte)'m', 1024 * 1024).ToArray();
    private static readonly byte[] Chunk = Enumerable.Repeat((byte)'s', 8 * 1024).ToArray();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Hanging_slow_and_huge_receivers_do_not_delay_a_healthy_one_and_bodies_are_cut_at_1_KiB()
    {
        const int Events = 12;
        await using var app = await SmartApiApplication.StartAsync(new Dictionary<string, string?>(AllowLoopback)
        {
            ["SmartApi:Webhooks:Timeout"] = AttemptTimeout.ToString(),
            // Two requests at a time per receiver: the hanging one's lane stays full for the whole burst.
            ["SmartApi:Webhooks:MaxConcurrencyPerHost"] = "2",
            // No retry within the test: every attempt seen is a first attempt.
            ["SmartApi:Webhooks:RetrySchedule:0"] = "01:00:00",
        });
        await using var healthy = await WebhookReceiver.StartAsync();
        await using var hanging = await WebhookReceiver.StartAsync();
        await using var slow = await WebhookReceiver.StartAsync();
        await using var huge = await WebhookReceiver.StartAsync();
        await using var endless = await WebhookReceiver.StartAsync();
        hanging.Respond = async (_, context) => await Task.Delay(Timeout.Infinite, context.RequestAborted);
        slow.Respond = async (_, context) =>
        {
            // A quarter of the attempt timeout: 1.5 s and then 1 s against 2 s timed out on a loaded CI machine (the
            // answer's own scheduling on two busy cores).
            await Task.Delay(TimeSpan.FromMilliseconds(500), context.RequestAborted);
            await context.Response.WriteAsync("slow but fine", context.RequestAborted);
        };
        huge.Respond = (_, context) => context.Response.Body.WriteAsync(OneMegabyte, context.RequestAborted).AsTask();
        endless.Respond = async (_, context) =>
        {
            // A body that never ends: the attempt must not wait for its end (nor for the timeout). A chunk
            // per millisecond, not as fast as writes complete: such a loop keeps completing its flushes
            // while the kernel's loopback buffers fill, and two of them held both thread-pool threads of
            // this process (server, receivers and test) for the whole 2 s attempt timeout.
            try
            {
                while (!context.RequestAborted.IsCancellationRequested)
                {
                    await context.Response.Body.WriteAsync(Chunk, context.RequestAborted);
                    await Task.Delay(TimeSpan.FromMilliseconds(1), context.RequestAborted);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException)
            {
            }
        };
        var arrivals = new ConcurrentQueue<long>();
        healthy.Respond = (_, context) =>
        {
            arrivals.Enqueue(Stopwatch.GetTimestamp());
            return context.Response.WriteAsync("ok");
        };

        var (_, client) = await app.CreateTenantAsync("devices:write", "automations:read", "automations:write");
        var automations = new Dictionary<string, string>();
        foreach (var (name, receiver) in new[] { ("hanging", hanging), ("slow", slow), ("huge", huge), ("endless", endless), ("healthy", healthy) })
        {
            automations[name] = (await CreateAutomationAsync(client, receiver.Url, events: "\"device.created\"")).Id;
        }

        var created = new long[Events];
        for (var i = 0; i < Events; i++)
        {
            await SmartApiApplication.CreateDeviceAsync(client);
            created[i] = Stopwatch.GetTimestamp();
        }

        // The healthy receiver gets every event promptly, while the hanging one holds its lane for
        // 2 s per pair of requests (12 s for the burst) and the slow one for 0.5 s per pair.
        for (var i = 0; i < Events; i++)
        {
            await healthy.NextAsync(TimeSpan.FromSeconds(5));
        }
        var lag = Stopwatch.GetElapsedTime(created[^1], arrivals.Max());
        // Held behind the hanging lane it would come about 12 s late; 6 s leaves room for a loaded CI machine (3.4 s seen).
        Assert.True(lag < TimeSpan.FromSeconds(6), $"the healthy receiver's last delivery came {lag.TotalMilliseconds:0} ms after the last event");
        Assert.InRange(hanging.Count, 1, Events - 1);

        var hung = await FirstAttemptAsync(client, automations["hanging"]);
        Assert.Null(hung.StatusCode);
        Assert.StartsWith("Timed out after 2 s", hung.Error, StringComparison.Ordinal);
        Assert.InRange(hung.DurationMs, 1_900, 4_000);

        var slowAttempt = await FirstAttemptAsync(client, automations["slow"]);
        Assert.True((slowAttempt.StatusCode, slowAttempt.ResponseBody) == (200, "slow but fine"),
            $"the slow receiver's first attempt: {slowAttempt.StatusCode} after {slowAttempt.DurationMs} ms, {slowAttempt.Error}");
        Assert.InRange(slowAttempt.DurationMs, 450, 4_000);

        var hugeAttempt = await FirstAttemptAsync(client, automations["huge"]);
        Assert.Equal(200, hugeAttempt.StatusCode);
        Assert.Equal(new string('m', WebhookSender.MaxResponseBodyBytes), hugeAttempt.ResponseBody);

        var endlessAttempt = await FirstAttemptAsync(client, automations["endless"]);
        Assert.Equal(200, endlessAttempt.StatusCode);
        Assert.Null(endlessAttempt.Error);
        Assert.Equal(new string('s', WebhookSender.MaxResponseBodyBytes), endlessAttempt.ResponseBody);
        Assert.True(endlessAttempt.DurationMs < AttemptTimeout.TotalMilliseconds, $"the endless body was read until the timeout ({endlessAttempt.DurationMs} ms)");
    }

    [Fact]
    public async Task The_sender_reads_no_more_of_a_response_body_than_the_excerpt()
    {
        var body = new EndlessStream();
        using var response = new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = new StreamContent(body) };

        var excerpt = await WebhookSender.ReadStartAsync(response, Ct);

        Assert.Equal(WebhookSender.MaxResponseBodyBytes, excerpt!.Length);
        Assert.Equal(WebhookSender.MaxResponseBodyBytes, body.BytesRead);
    }

    private static async Task<DeliveryAttemptResponse> FirstAttemptAsync(HttpClient client, string automationId)
    {
        var deadline = Stopwatch.GetTimestamp();
        while (true)
        {
            var page = await (await client.GetAsync($"/v1/deliveries?automationId={automationId}", Ct)).ReadAsync(SmartApiJsonContext.Default.PageDeliveryResponse);
            if (page.Data.FirstOrDefault(d => d.AttemptCount > 0) is { } attempted)
            {
                var delivery = await DeliveryWhenAsync(client, attempted.Id, d => d.AttemptCount > 0);
                return delivery.Attempts![0];
            }
            Assert.True(Stopwatch.GetElapsedTime(deadline) < TimeSpan.FromSeconds(10), $"no attempt of {automationId} was recorded");
            await Task.Delay(50, Ct);
        }
    }

    /// <summary>A response body that never ends and counts what was read of it.</summary>
    private sealed class EndlessStream : Stream
    {
        public long BytesRead { get; private set; }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            buffer.AsSpan(offset, count).Fill((byte)'x');
            BytesRead += count;
            return count;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
