using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using MQTTnet;
using MQTTnet.Protocol;
using SmartApi.Contracts;

namespace SmartApi.Benchmarks;

/// <summary>The live phase: each probe's lag, the tab's memory samples, the server's CPU and working set.</summary>
internal sealed record LiveResult(
    IReadOnlyList<(double Minute, double LagMs)> Probes, int Missed,
    IReadOnlyList<(double Minute, double HeapMb, double Nodes)> Samples,
    double ServerCpuUsPerChange, double WorkingSetStartMb, double WorkingSetEndMb, bool Converged);

internal static partial class ConsoleLoad
{
    // A probe not on the page within this long counts as never shown.
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// One signed-in devices page left open for <see cref="ConsoleLoadOptions.Minutes"/> while the fleet
    /// switches. Every <see cref="ConsoleLoadOptions.ProbeSeconds"/> the probe device (the first row)
    /// publishes its other switch state over MQTT; a MutationObserver in the page stamps (Date.now())
    /// when the probe row's switch cell shows it; the lag is that stamp minus the publish time (same
    /// clock). Every <see cref="ConsoleLoadOptions.SampleSeconds"/>, after a forced GC, the tab's JS heap
    /// and DOM node count (CDP <c>Performance.getMetrics</c>).
    /// </summary>
    private static async Task<LiveResult> LiveAsync(IBrowser browser, Soak.ServerProcess server, ConsoleFleet fleet, string state,
        DeviceResponse probe, IMqttClient probeClient, int expectedRows, ConsoleLoadOptions options)
    {
        await using var context = await NewContextAsync(browser, state);
        await context.AddInitScriptAsync(ProbeScript(probe.Id));
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(server.BaseAddress, "/devices").ToString());
        await page.Locator(RowSelector).Nth(expectedRows - 1).WaitForAsync();
        var cdp = await context.NewCDPSessionAsync(page);
        await cdp.SendAsync("Performance.enable");

        var probes = new List<(double Minute, double LagMs)>();
        var samples = new List<(double Minute, double HeapMb, double Nodes)>();
        var missed = 0;
        var on = probe.Switch != SwitchState.On;
        var (cpuStart, workingSetStart, publishedStart) = (server.Cpu(), server.WorkingSetMb(), (await fleet.CountAsync()).Published);
        var started = Stopwatch.GetTimestamp();
        samples.Add(await SampleAsync(cdp, 0));
        var nextSample = options.SampleSeconds;
        var nextReport = 1;
        var topic = DeviceTopics.For(probe.Serial, DeviceTopics.State);
        using (var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.ProbeSeconds)))
        {
            while (Stopwatch.GetElapsedTime(started).TotalMinutes < options.Minutes && await timer.WaitForNextTickAsync())
            {
                var target = on ? "on" : "off";
                on = !on;
                var minute = Stopwatch.GetElapsedTime(started).TotalMinutes;
                var sent = (DateTime.UtcNow - DateTime.UnixEpoch).TotalMilliseconds;
                await probeClient.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithRetainFlag()
                    .WithPayload(Encoding.UTF8.GetBytes($"{{\"switch\":\"{target}\",\"source\":\"button\"}}"))
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
                try
                {
                    await using var seen = await page.WaitForFunctionAsync("s => window.__smartProbe.find(e => e[0] === s)", target,
                        new PageWaitForFunctionOptions { Timeout = (float)ProbeTimeout.TotalMilliseconds, PollingInterval = 50 });
                    var at = (await seen.JsonValueAsync<JsonElement>())[1].GetDouble();
                    probes.Add((minute, at - sent));
                }
                catch (TimeoutException)
                {
                    missed++;
                    Console.WriteLine($"probe {target} at {minute:N2} min: not on the page after {ProbeTimeout.TotalSeconds:N0} s");
                }
                await page.EvaluateAsync("() => { window.__smartProbe.length = 0; }");

                var elapsed = Stopwatch.GetElapsedTime(started);
                if (elapsed.TotalSeconds >= nextSample)
                {
                    samples.Add(await SampleAsync(cdp, elapsed.TotalMinutes));
                    nextSample += options.SampleSeconds;
                    Console.WriteLine(Invariant($"  {elapsed.TotalMinutes:N1} min: tab JS heap {samples[^1].HeapMb:N2} MB after GC, {samples[^1].Nodes:N0} DOM nodes"));
                }
                if (elapsed.TotalMinutes >= nextReport)
                {
                    var last = probes.Where(p => p.Minute >= nextReport - 1).Select(p => p.LagMs).ToList();
                    Console.WriteLine(Invariant($"minute {nextReport}: {last.Count} probes, lag p50 {Percentile(last, 0.5):N0} ms, p99 {Percentile(last, 0.99):N0} ms, max {last.DefaultIfEmpty().Max():N0} ms; ") +
                        Invariant($"tab JS heap {samples[^1].HeapMb:N2} MB, {samples[^1].Nodes:N0} DOM nodes; server working set {server.WorkingSetMb():N0} MB; load average {AppendLoad.LoadAverage()}"));
                    nextReport++;
                }
            }
        }
        var changes = (await fleet.CountAsync()).Published - publishedStart + probes.Count + missed;
        var cpu = (server.Cpu() - cpuStart).TotalMicroseconds / Math.Max(1, changes);
        var workingSetEnd = server.WorkingSetMb();
        var converged = await ConvergesAsync(page, server.BaseAddress, fleet);
        return new LiveResult(probes, missed, samples, cpu, workingSetStart, workingSetEnd, converged);
    }

    private static string ProbeScript(string deviceId) => $$"""
        window.__smartProbe = [];
        (() => {
          const selector = 'tr[data-device-id=' + {{JsonSerializer.Serialize(JsonSerializer.Serialize(deviceId))}} + '] [data-testid="switch"]';
          let last = null;
          new MutationObserver(() => {
            const cell = document.querySelector(selector);
            const text = cell ? cell.textContent.trim() : null;
            if (text !== null && text !== last) { last = text; window.__smartProbe.push([text, Date.now()]); }
          }).observe(document, { childList: true, subtree: true, characterData: true });
        })();
        """;

    private static async Task<(double Minute, double HeapMb, double Nodes)> SampleAsync(ICDPSession cdp, double minute)
    {
        await cdp.SendAsync("HeapProfiler.collectGarbage");
        var metrics = (await cdp.SendAsync("Performance.getMetrics"))!.Value.GetProperty("metrics").EnumerateArray()
            .ToDictionary(m => m.GetProperty("name").GetString()!, m => m.GetProperty("value").GetDouble(), StringComparer.Ordinal);
        return (minute, metrics["JSHeapUsedSize"] / 1024 / 1024, metrics["Nodes"]);
    }

    /// <summary>
    /// With the fleet stopped, the page's rows reach the API's switch states within 10 s (the page
    /// also reads its rows again every 2 s, so this checks the page settles, not that every event arrived).
    /// </summary>
    private static async Task<bool> ConvergesAsync(IPage page, Uri baseAddress, ConsoleFleet fleet)
    {
        await fleet.PauseAsync();
        using var api = new HttpClient { BaseAddress = baseAddress };
        api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Soak.AdminKey);
        var deadline = Stopwatch.GetTimestamp() + 10 * Stopwatch.Frequency;
        while (true)
        {
            var expected = (await FirstPageAsync(api)).ToDictionary(d => d.Id, d => d.Switch.ToString().ToLowerInvariant(), StringComparer.Ordinal);
            var shown = await page.EvaluateAsync<Dictionary<string, string>>("""
                () => Object.fromEntries([...document.querySelectorAll('[data-testid="device-row"]')]
                    .map(r => [r.dataset.deviceId, r.querySelector('[data-testid="switch"]').textContent.trim()]))
                """);
            if (expected.Count == shown.Count && expected.All(e => shown.TryGetValue(e.Key, out var s) && s == e.Value))
            {
                return true;
            }
            if (Stopwatch.GetTimestamp() > deadline)
            {
                Console.WriteLine($"rows that differ from the API: {string.Join(", ", expected.Where(e => !shown.TryGetValue(e.Key, out var s) || s != e.Value).Select(e => $"{e.Key} {e.Value} vs {shown.GetValueOrDefault(e.Key)}"))}");
                return false;
            }
            await Task.Delay(250);
        }
    }
}
