using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SmartApi.Webhooks;

namespace SmartApi.Benchmarks;

/// <summary>The webhook receiver of the <c>deliveries</c> harness, in this process or in a child process.</summary>
internal interface IDeliveryReceiver : IAsyncDisposable
{
    string Url { get; }
    long Duplicates { get; }
    long Rejected { get; }

    /// <summary>The receiver's own CPU time so far when it runs in a child process; null when it shares this process.</summary>
    TimeSpan? ProcessorTime { get; }

    Task UseSecretAsync(string secret);

    /// <summary>Starts a new measurement: receipts of these event ids (id to creation timestamp) are recorded.</summary>
    Task ExpectAsync(ConcurrentDictionary<string, long> expected);

    /// <summary>Waits for <paramref name="count"/> receipts and returns (created, received) Stopwatch timestamps.</summary>
    Task<IReadOnlyCollection<(long CreatedAt, long ReceivedAt)>> WaitForAsync(int count, TimeSpan timeout);

    static async Task<IDeliveryReceiver> StartAsync(bool verify, bool childProcess) =>
        childProcess ? await ChildReceiver.StartAsync(verify) : await DeliveryReceiver.StartAsync(verify);
}

/// <summary>A minimal loopback webhook receiver: verifies X-Signature, records the receipt time per X-Event-Id, answers 200.</summary>
internal sealed class DeliveryReceiver : IDeliveryReceiver
{
    private readonly WebApplication _app;
    private readonly bool _verify;
    private volatile WebhookVerifier? _verifier;
    private volatile ConcurrentDictionary<string, long>? _expected = new();
    private ConcurrentQueue<(long CreatedAt, long ReceivedAt)> _received = new();
    // Without expected ids (in a child process): every receipt by id, the parent sorts them out.
    private ConcurrentQueue<(string EventId, long ReceivedAt)> _all = new();
    private long _duplicates;
    private long _rejected;

    private DeliveryReceiver(WebApplication app, bool verify)
    {
        _app = app;
        _verify = verify;
    }

    public string Url { get; private set; } = "";
    public long Duplicates => Interlocked.Read(ref _duplicates);
    public long Rejected => Interlocked.Read(ref _rejected);
    public TimeSpan? ProcessorTime => null;
    public int Count => _expected is null ? _all.Count : _received.Count;

    public static async Task<DeliveryReceiver> StartAsync(bool verify)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new DeliveryReceiver(app, verify);
        app.MapPost("/hook", receiver.HandleAsync);
        await app.StartAsync();
        receiver.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/hook";
        return receiver;
    }

    public Task UseSecretAsync(string secret)
    {
        _verifier = new WebhookVerifier(new WebhookSecret(secret));
        return Task.CompletedTask;
    }

    public Task ExpectAsync(ConcurrentDictionary<string, long> expected)
    {
        _received = new ConcurrentQueue<(long, long)>();
        _expected = expected;
        return Task.CompletedTask;
    }

    /// <summary>Records every receipt by event id from now on (<see cref="TakeAll"/>).</summary>
    public void ExpectAll()
    {
        _all = new ConcurrentQueue<(string, long)>();
        _expected = null;
    }

    public ConcurrentQueue<(string EventId, long ReceivedAt)> TakeAll() => _all;

    public async Task<IReadOnlyCollection<(long CreatedAt, long ReceivedAt)>> WaitForAsync(int count, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (_received.Count < count && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(10);
        }
        return _received;
    }

    /// <summary>
    /// Reads the whole body into a pooled buffer (as a receiver must before it answers) and, when
    /// <paramref name="verify"/>, checks its X-Signature: false when it does not verify (no verifier yet included).
    /// </summary>
    internal static async Task<bool> ReadAndVerifyAsync(HttpContext context, bool verify, WebhookVerifier? verifier)
    {
        var length = (int)(context.Request.ContentLength ?? 0);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        try
        {
            var read = 0;
            int n;
            while (read < length && (n = await context.Request.Body.ReadAsync(buffer.AsMemory(read, length - read))) > 0)
            {
                read += n;
            }
            return !verify || verifier?.Verify(context.Request.Headers[WebhookHeaders.Signature].ToString(), buffer.AsSpan(0, read)).IsValid == true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var receivedAt = Stopwatch.GetTimestamp();
        if (!await ReadAndVerifyAsync(context, _verify, _verifier))
        {
            Interlocked.Increment(ref _rejected);
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }
        var eventId = context.Request.Headers[WebhookHeaders.EventId].ToString();
        var expected = _expected;
        if (expected is null)
        {
            _all.Enqueue((eventId, receivedAt));
        }
        else if (expected.TryRemove(eventId, out var createdAt))
        {
            _received.Enqueue((createdAt, receivedAt));
        }
        else if (eventId.StartsWith("evt_", StringComparison.Ordinal) && !expected.IsEmpty)
        {
            // Either a repeat of one already received or an event from before this measurement.
            Interlocked.Increment(ref _duplicates);
        }
        context.Response.StatusCode = StatusCodes.Status200OK;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>
    /// <c>deliveries-receiver [--no-verify]</c>: the receiver as a child process, so that its CPU is
    /// measured apart (/proc). Prints <c>url U</c>, then answers lines on stdin: <c>secret S</c>,
    /// <c>reset</c>, <c>count</c> (<c>N rejected</c>), <c>receipts</c> (<c>id timestamp</c> lines, then <c>end</c>), <c>quit</c>.
    /// Stopwatch timestamps are CLOCK_MONOTONIC on Linux, comparable with the parent's.
    /// </summary>
    public static async Task<int> ChildAsync(string[] args)
    {
        await using var receiver = await StartAsync(verify: !args.Contains("--no-verify"));
        receiver.ExpectAll();
        var output = Console.Out;
        await output.WriteLineAsync("url " + receiver.Url);
        await output.FlushAsync();
        while (await Console.In.ReadLineAsync() is { } line && line != "quit")
        {
            switch (line.Split(' ', 2))
            {
                case ["secret", var secret]:
                    await receiver.UseSecretAsync(secret);
                    await output.WriteLineAsync("ok");
                    break;
                case ["reset"]:
                    receiver.ExpectAll();
                    await output.WriteLineAsync("ok");
                    break;
                case ["count"]:
                    await output.WriteLineAsync(FormattableString.Invariant($"{receiver.Count} {receiver.Rejected}"));
                    break;
                case ["receipts"]:
                    foreach (var (id, at) in receiver.TakeAll())
                    {
                        await output.WriteLineAsync(FormattableString.Invariant($"{id} {at}"));
                    }
                    await output.WriteLineAsync("end");
                    break;
                default:
                    await output.WriteLineAsync("unknown " + line);
                    break;
            }
            await output.FlushAsync();
        }
        return 0;
    }
}

/// <summary>The receiver in a child process (<see cref="DeliveryReceiver.ChildAsync"/>), driven over its stdin and stdout.</summary>
internal sealed class ChildReceiver(Process process, string url) : IDeliveryReceiver
{
    private readonly SemaphoreSlim _io = new(1, 1);
    private ConcurrentDictionary<string, long> _expected = new();
    private long _duplicates;
    private long _rejected;

    public string Url => url;
    public long Duplicates => Interlocked.Read(ref _duplicates);
    public long Rejected => Interlocked.Read(ref _rejected);

    public TimeSpan? ProcessorTime
    {
        get
        {
            process.Refresh();
            return process.TotalProcessorTime;
        }
    }

    public static async Task<ChildReceiver> StartAsync(bool verify)
    {
        var host = Environment.ProcessPath!;
        var start = new ProcessStartInfo(host) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(typeof(ChildReceiver).Assembly.Location);
        }
        start.ArgumentList.Add("deliveries-receiver");
        if (!verify)
        {
            start.ArgumentList.Add("--no-verify");
        }
        var process = Process.Start(start)!;
        var line = await process.StandardOutput.ReadLineAsync();
        if (line?.StartsWith("url ", StringComparison.Ordinal) != true)
        {
            throw new InvalidOperationException($"the receiver process did not start: {line}");
        }
        return new ChildReceiver(process, line[4..]);
    }

    private async Task<string> AskAsync(string command)
    {
        await process.StandardInput.WriteLineAsync(command);
        await process.StandardInput.FlushAsync();
        return await process.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("the receiver process stopped");
    }

    public async Task UseSecretAsync(string secret)
    {
        await _io.WaitAsync();
        try
        {
            await AskAsync("secret " + secret);
        }
        finally
        {
            _io.Release();
        }
    }

    public async Task ExpectAsync(ConcurrentDictionary<string, long> expected)
    {
        await _io.WaitAsync();
        try
        {
            _expected = expected;
            await AskAsync("reset");
        }
        finally
        {
            _io.Release();
        }
    }

    public async Task<IReadOnlyCollection<(long CreatedAt, long ReceivedAt)>> WaitForAsync(int count, TimeSpan timeout)
    {
        await _io.WaitAsync();
        try
        {
            var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
            while (true)
            {
                var parts = (await AskAsync("count")).Split(' ');
                Interlocked.Exchange(ref _rejected, long.Parse(parts[1], CultureInfo.InvariantCulture));
                if (int.Parse(parts[0], CultureInfo.InvariantCulture) >= count || Stopwatch.GetTimestamp() >= deadline)
                {
                    break;
                }
                // Polled rarely: each question costs the child a little CPU.
                await Task.Delay(50);
            }
            var received = new List<(long, long)>();
            await process.StandardInput.WriteLineAsync("receipts");
            await process.StandardInput.FlushAsync();
            while (await process.StandardOutput.ReadLineAsync() is { } line && line != "end")
            {
                var space = line.IndexOf(' ', StringComparison.Ordinal);
                var eventId = line[..space];
                if (_expected.TryRemove(eventId, out var createdAt))
                {
                    received.Add((createdAt, long.Parse(line.AsSpan(space + 1), CultureInfo.InvariantCulture)));
                }
                else if (eventId.StartsWith("evt_", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref _duplicates);
                }
            }
            await AskAsync("reset");
            return received;
        }
        finally
        {
            _io.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await ChildProcess.StopAsync(process, TimeSpan.FromSeconds(30));
        _io.Dispose();
    }
}
