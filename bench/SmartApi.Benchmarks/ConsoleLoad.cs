using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Playwright;
using SmartApi.Contracts;
using SmartApi.Simulator;

namespace SmartApi.Benchmarks;

/// <summary>Options of the <c>console</c> command.</summary>
internal sealed record ConsoleLoadOptions(int Devices = 1000, int Rate = 100, int Minutes = 5, int Runs = 3, int ProbeSeconds = 2, int SampleSeconds = 30)
{
    public static ConsoleLoadOptions Parse(string[] args)
    {
        var options = new ConsoleLoadOptions();
        for (var i = 0; i < args.Length; i++)
        {
            int Next() => int.Parse(args[++i], CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--devices" => options with { Devices = Next() },
                "--rate" => options with { Rate = Next() },
                "--minutes" => options with { Minutes = Next() },
                "--runs" => options with { Runs = Next() },
                "--probe-seconds" => options with { ProbeSeconds = Next() },
                "--sample-seconds" => options with { SampleSeconds = Next() },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        return options;
    }
}

/// <summary>
/// The web console's devices page under load (issue 14): the server as it ships in a child process
/// (<c>soak-server</c>), N devices over MQTT in another (<c>console-devices</c>) toggling their switch at
/// <c>--rate</c> changes per second in total, and Debian's chromium driven by Playwright. It measures
/// what a first visit downloads, the page's first render (cold browser context, median of
/// <c>--runs</c>), and then, for <c>--minutes</c>, the lag from a probe device's MQTT publish to the
/// page showing its new state, the tab's JS heap and DOM size, and the server's CPU and working set.
/// Exit 1 if a probe's state change never reaches the page, or the page's rows end up differing from the API.
/// </summary>
internal static partial class ConsoleLoad
{
    private const string Chromium = "/usr/bin/chromium";
    // Devices.razor's page size: the rows a first render must show.
    private const int PageSize = 25;
    private const string RowSelector = "[data-testid=\"device-row\"]";

    public static async Task<int> RunAsync(ConsoleLoadOptions options)
    {
        if (!File.Exists(Chromium))
        {
            Console.Error.WriteLine($"console: needs Debian's chromium at {Chromium} (apt-get install chromium)");
            return 2;
        }
        Console.WriteLine($"console: {options.Devices:N0} devices, {options.Rate} state changes/s, first render x {options.Runs} runs, live {options.Minutes} min " +
            $"(a probe every {options.ProbeSeconds} s, memory every {options.SampleSeconds} s); {Environment.ProcessorCount} cores, load average {AppendLoad.LoadAverage()}");
        await using var server = await Soak.ServerProcess.StartAsync();
        using var api = new HttpClient { BaseAddress = server.BaseAddress };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Soak.AdminKey);
        var credentials = await DeviceProvisioner.EnsureDevicesAsync(api, options.Devices, Path.Combine(server.Directory, "devices.json"), "CONSOLE-");
        var firstPage = await FirstPageAsync(api);
        var expectedRows = firstPage.Count;
        // The probe is the first row; the fleet switches every other device, those on the first page included.
        var probe = firstPage[0];
        var probeCredentials = credentials.Single(c => c.Serial == probe.Serial);
        await using var fleet = await ConsoleFleet.StartAsync(server.MqttPort, [.. credentials.Where(c => c != probeCredentials)], options.Rate);
        var probeClient = (await Soak.ConnectAsync(server.MqttPort, [probeCredentials]))[0];
        Console.WriteLine($"{credentials.Count:N0} devices connected; server working set {server.WorkingSetMb():N0} MB; load average {AppendLoad.LoadAverage()}");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            // As tests/SmartApi.Console.Tests/Browser.cs launches it.
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"],
        });

        await fleet.StartSwitchingAsync();
        // 20 s to settle first: the fleet's connects and the first switches run the server's code cold.
        await Task.Delay(TimeSpan.FromSeconds(20));
        var idleCpu = await ServerCpuPerChangeAsync(server, fleet, TimeSpan.FromSeconds(20));
        Console.WriteLine(Invariant($"no console page open: server CPU {idleCpu:N0} µs per state change (20 s after 20 s to settle); load average {AppendLoad.LoadAverage()}"));
        var visit = await FirstVisitAsync(browser, server.BaseAddress, expectedRows);
        PrintFirstVisit(visit, await CompressedSizesAsync(server.BaseAddress, visit.Responses));
        var renders = await FirstRendersAsync(browser, server.BaseAddress, visit.State, expectedRows, options.Runs);
        var live = await LiveAsync(browser, server, fleet, visit.State, probe, probeClient, expectedRows, options);
        var (published, refused) = await fleet.StopAsync();
        probeClient.Dispose();

        var median = renders.Order().ElementAt(renders.Count / 2);
        var firstMinute = live.Probes.Where(p => p.Minute < 1).Select(p => p.LagMs).ToList();
        var lastMinute = live.Probes.Where(p => p.Minute >= Math.Max(0, options.Minutes - 1)).Select(p => p.LagMs).ToList();
        var lagFlat = firstMinute.Count > 0 && lastMinute.Count > 0 && Percentile(lastMinute, 0.5) <= Percentile(firstMinute, 0.5) * 1.5 + 20;
        // The tab's memory is judged from its first minute on: in the first seconds the page's live
        // updates, the circuit's buffers and the code they run are still being set up.
        var settled = live.Samples.Where(s => s.Minute >= Math.Min(1, options.Minutes / 2.0)).DefaultIfEmpty(live.Samples[^1]).ToList();
        var (heapFirst, heapLast) = (settled[0].HeapMb, settled[^1].HeapMb);
        var (nodesFirst, nodesLast) = (settled[0].Nodes, settled[^1].Nodes);
        var heapFlat = heapLast <= heapFirst * 1.10;
        var nodesFlat = nodesLast <= nodesFirst * 1.10;
        Console.WriteLine();
        Console.WriteLine($"result ({options.Devices:N0} devices, {options.Rate} state changes/s; fleet published {published:N0}, refused {refused:N0}; load average {AppendLoad.LoadAverage()}):");
        Console.WriteLine("| measure | figure | target |");
        Console.WriteLine("| --- | --- | --- |");
        Console.WriteLine(Invariant($"| first render of /devices, navigation start to {expectedRows} rows painted, median of {renders.Count} | {median:N0} ms ({string.Join(", ", renders.Select(r => r.ToString("N0", CultureInfo.InvariantCulture)))}) | <= 1,000 ms: {(median <= 1000 ? "met" : "NOT met")} |"));
        Console.WriteLine(Invariant($"| live lag, MQTT publish to the row showing it, all {live.Probes.Count} probes | p50 {Percentile(live.Probes.Select(p => p.LagMs), 0.5):N0} ms, p99 {Percentile(live.Probes.Select(p => p.LagMs), 0.99):N0} ms, max {live.Probes.Select(p => p.LagMs).DefaultIfEmpty().Max():N0} ms; {live.Missed} never shown | every change shown: {(live.Missed == 0 ? "met" : "NOT met")} |"));
        Console.WriteLine(Invariant($"| live lag, first minute vs last minute (p50) | {Percentile(firstMinute, 0.5):N0} ms vs {Percentile(lastMinute, 0.5):N0} ms | no growth (last <= 1.5 x first + 20 ms): {(lagFlat ? "met" : "NOT met")} |"));
        Console.WriteLine(Invariant($"| tab JS heap used after GC, at {settled[0].Minute:N1} min vs the end (at load {live.Samples[0].HeapMb:N2} MB) | {heapFirst:N2} MB vs {heapLast:N2} MB, slope {Slope(settled.Select(s => (s.Minute, s.HeapMb))) * 1024:+0;-0} KB/min | flat (within 10 %): {(heapFlat ? "met" : "NOT met")} |"));
        Console.WriteLine(Invariant($"| tab DOM nodes, at {settled[0].Minute:N1} min vs the end | {nodesFirst:N0} vs {nodesLast:N0}, slope {Slope(settled.Select(s => (s.Minute, s.Nodes))):+0.0;-0.0}/min | flat (within 10 %): {(nodesFlat ? "met" : "NOT met")} |"));
        Console.WriteLine(Invariant($"| server CPU per state change, one devices page open vs none | {live.ServerCpuUsPerChange:N0} µs vs {idleCpu:N0} µs | - |"));
        Console.WriteLine(Invariant($"| server working set, live phase start vs end | {live.WorkingSetStartMb:N0} MB vs {live.WorkingSetEndMb:N0} MB | - |"));
        Console.WriteLine(Invariant($"| first visit (/signin, sign in, /devices), compressed bytes over HTTP | {visit.Responses.Sum(r => r.BodyBytes) / 1024.0:N1} KiB in {visit.Responses.Count} responses (+ {visit.SocketBytes / 1024.0:N1} KiB on the circuit's WebSocket) | - |"));
        Console.WriteLine($"page rows equal the API's at the end: {(live.Converged ? "yes" : "NO")}");
        return live.Missed == 0 && live.Converged ? 0 : 1;
    }

    private static async Task<double> ServerCpuPerChangeAsync(Soak.ServerProcess server, ConsoleFleet fleet, TimeSpan duration)
    {
        var (cpu, published) = (server.Cpu(), (await fleet.CountAsync()).Published);
        await Task.Delay(duration);
        return (server.Cpu() - cpu).TotalMicroseconds / Math.Max(1, (await fleet.CountAsync()).Published - published);
    }

    private static async Task<List<DeviceResponse>> FirstPageAsync(HttpClient api) =>
        [.. (await api.GetFromJsonAsync($"/v1/devices?limit={PageSize}", SmartApiJsonContext.Default.PageDeviceResponse))!.Data];

    private static async Task<IBrowserContext> NewContextAsync(IBrowser browser, string? storageState) =>
        await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 }, StorageState = storageState });

    /// <summary>
    /// The first render, <paramref name="runs"/> times plus an uncounted warm-up: a new browser context
    /// each time (empty cache, the session cookie only), <c>GET /devices</c>, and the time from
    /// navigation start to the frame after the last of the first page's rows entered the DOM
    /// (a MutationObserver installed before the document loads, then requestAnimationFrame + setTimeout).
    /// </summary>
    private static async Task<List<double>> FirstRendersAsync(IBrowser browser, Uri baseAddress, string state, int expectedRows, int runs)
    {
        var painted = new List<double>();
        for (var run = 0; run <= runs; run++)
        {
            await using var context = await NewContextAsync(browser, state);
            await context.AddInitScriptAsync(FirstRowsScript(expectedRows));
            var page = await context.NewPageAsync();
            await page.GotoAsync(new Uri(baseAddress, "/devices").ToString(), new PageGotoOptions { WaitUntil = WaitUntilState.Commit });
            await page.WaitForFunctionAsync("() => window.__smartPainted !== undefined", null, new PageWaitForFunctionOptions { Timeout = 60_000 });
            var t = await page.EvaluateAsync<double[]>("""
                () => { const n = performance.getEntriesByType('navigation')[0], s = window.__smartSocket;
                        return [n.responseStart, n.domContentLoadedEventEnd, s.created, s.opened, s.firstMessage, window.__smartRows, window.__smartPainted, s.messagesAtRows, s.bytesAtRows]; }
                """);
            Console.WriteLine(Invariant($"{(run == 0 ? "warm-up" : "first render")}: document first byte {t[0]:N0} ms, DOMContentLoaded {t[1]:N0} ms, circuit socket created {t[2]:N0} ms, open {t[3]:N0} ms, ") +
                Invariant($"first message {t[4]:N0} ms, rows in the DOM {t[5]:N0} ms, painted {t[6]:N0} ms ({t[7]:N0} messages, {t[8]:N0} bytes received on the socket by then); load average {AppendLoad.LoadAverage()}"));
            if (run > 0)
            {
                painted.Add(t[6]);
            }
        }
        return painted;
    }

    // Also times the circuit's WebSocket (created, open, first message) and counts what it received until the rows showed.
    private static string FirstRowsScript(int expectedRows) => $$"""
        (() => {
          const socket = window.__smartSocket = { created: null, opened: null, firstMessage: null, messages: 0, bytes: 0 };
          const Native = window.WebSocket;
          window.WebSocket = class extends Native {
            constructor(...args) {
              super(...args);
              socket.created ??= performance.now();
              this.addEventListener('open', () => { socket.opened ??= performance.now(); });
              this.addEventListener('message', e => {
                socket.firstMessage ??= performance.now();
                socket.messages++;
                socket.bytes += e.data.byteLength ?? e.data.size ?? e.data.length;
              });
            }
          };
          const observer = new MutationObserver(() => {
            if (document.querySelectorAll('{{RowSelector}}').length < {{expectedRows}}) { return; }
            observer.disconnect();
            window.__smartRows = performance.now();
            socket.messagesAtRows = socket.messages;
            socket.bytesAtRows = socket.bytes;
            requestAnimationFrame(() => setTimeout(() => { window.__smartPainted = performance.now(); }, 0));
          });
          observer.observe(document, { childList: true, subtree: true });
        })();
        """;

    private static double Percentile(IEnumerable<double> values, double q)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)(q * sorted.Count))];
    }

    /// <summary>Least-squares slope of y over x.</summary>
    private static double Slope(IEnumerable<(double X, double Y)> points)
    {
        var p = points.ToList();
        if (p.Count < 2)
        {
            return 0;
        }
        var (mx, my) = (p.Average(q => q.X), p.Average(q => q.Y));
        var denominator = p.Sum(q => (q.X - mx) * (q.X - mx));
        return denominator == 0 ? 0 : p.Sum(q => (q.X - mx) * (q.Y - my)) / denominator;
    }

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);
}
