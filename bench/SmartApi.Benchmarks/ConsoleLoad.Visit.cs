using System.Net;
using System.Text;
using Microsoft.Playwright;

namespace SmartApi.Benchmarks;

/// <summary>One response of the first visit: what went over the wire for its body, and how it was encoded.</summary>
internal sealed record VisitResponse(string Path, int Status, long BodyBytes, long HeaderBytes, string? Encoding);

/// <summary>The first visit: its responses, the circuit's WebSocket bytes until the rows showed, and the signed-in browser state.</summary>
internal sealed record FirstVisit(IReadOnlyList<VisitResponse> Responses, long SocketBytes, string? AcceptEncoding, string State);

internal static partial class ConsoleLoad
{
    /// <summary>
    /// A first visit in a new browser context (empty cache): <c>/signin</c>, signing in (the form post
    /// and its redirect to the overview), then the "Devices" link, until the first page of rows shows.
    /// Every HTTP response is counted by its body as it came over the wire (Chromium's encoded size).
    /// </summary>
    private static async Task<FirstVisit> FirstVisitAsync(IBrowser browser, Uri baseAddress, int expectedRows)
    {
        await using var context = await NewContextAsync(browser, null);
        var page = await context.NewPageAsync();
        var responses = new List<IResponse>();
        page.Response += (_, response) => responses.Add(response);
        var socketBytes = 0L;
        page.WebSocket += (_, socket) => socket.FrameReceived += (_, frame) =>
            Interlocked.Add(ref socketBytes, frame.Binary?.Length ?? Encoding.UTF8.GetByteCount(frame.Text ?? ""));

        await page.GotoAsync(new Uri(baseAddress, "/signin").ToString());
        await page.GetByLabel("API key").FillAsync(Soak.AdminKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = "Overview" }).WaitForAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Devices", Exact = true }).ClickAsync();
        await page.Locator(RowSelector).Nth(expectedRows - 1).WaitForAsync();
        var sockets = Interlocked.Read(ref socketBytes);

        var visited = new List<VisitResponse>();
        foreach (var response in responses.ToList())
        {
            var sizes = await response.Request.SizesAsync();
            visited.Add(new VisitResponse(new Uri(response.Url).PathAndQuery, response.Status, sizes.ResponseBodySize, sizes.ResponseHeadersSize,
                await response.HeaderValueAsync("content-encoding")));
        }
        var acceptEncoding = responses.Count > 0 ? await responses[0].Request.HeaderValueAsync("accept-encoding") : null;
        return new FirstVisit(visited, sockets, acceptEncoding, await context.StorageStateAsync());
    }

    /// <summary>
    /// What each static asset of the visit weighs when asked for with <c>br</c>, with <c>gzip</c> and
    /// with neither (MapStaticAssets picks the precompressed file from Accept-Encoding).
    /// </summary>
    private static async Task<Dictionary<string, (long Br, long Gzip, long Identity, string? BrEncoding)>> CompressedSizesAsync(Uri baseAddress, IEnumerable<VisitResponse> responses)
    {
        using var http = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None }) { BaseAddress = baseAddress };
        var sizes = new Dictionary<string, (long, long, long, string?)>(StringComparer.Ordinal);
        foreach (var path in responses.Select(r => r.Path).Where(p => p.StartsWith("/_framework/", StringComparison.Ordinal) || p.StartsWith("/_content/", StringComparison.Ordinal)).Distinct())
        {
            async Task<(long Bytes, string? Encoding)> GetAsync(string? acceptEncoding)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, path);
                if (acceptEncoding is not null)
                {
                    request.Headers.TryAddWithoutValidation("Accept-Encoding", acceptEncoding);
                }
                using var response = await http.SendAsync(request);
                return ((await response.Content.ReadAsByteArrayAsync()).LongLength, string.Join(",", response.Content.Headers.ContentEncoding));
            }
            var br = await GetAsync("br");
            sizes[path] = (br.Bytes, (await GetAsync("gzip")).Bytes, (await GetAsync(null)).Bytes, br.Encoding);
        }
        return sizes;
    }

    private static void PrintFirstVisit(FirstVisit visit, Dictionary<string, (long Br, long Gzip, long Identity, string? BrEncoding)> assets)
    {
        var total = visit.Responses.Sum(r => r.BodyBytes);
        Console.WriteLine(Invariant($"first visit: {visit.Responses.Count} HTTP responses, {total:N0} bytes of bodies as sent ({total / 1024.0:N1} KiB; headers {visit.Responses.Sum(r => r.HeaderBytes):N0} bytes), ") +
            Invariant($"{visit.SocketBytes:N0} bytes received on the circuit's WebSocket until the rows showed; chromium sent Accept-Encoding: {visit.AcceptEncoding ?? "(none)"}"));
        Console.WriteLine("  top 5 by size:");
        foreach (var response in visit.Responses.OrderByDescending(r => r.BodyBytes).Take(5))
        {
            Console.WriteLine(Invariant($"  {response.BodyBytes,9:N0} B  {response.Encoding ?? "identity",-8} {response.Status} {response.Path}"));
        }
        Console.WriteLine("  static assets asked for with br / gzip / neither (bytes of body):");
        foreach (var (path, size) in assets.OrderByDescending(a => a.Value.Identity))
        {
            Console.WriteLine(Invariant($"  {size.Br,9:N0} ({(string.IsNullOrEmpty(size.BrEncoding) ? "NOT br" : size.BrEncoding)}) / {size.Gzip,9:N0} / {size.Identity,9:N0}  {path}"));
        }
        var brTotal = visit.Responses.Sum(r => r.Status == 200 && assets.TryGetValue(r.Path, out var size) ? size.Br : r.BodyBytes);
        Console.WriteLine(Invariant($"  the same visit with every static asset in br: {brTotal:N0} bytes ({brTotal / 1024.0:N1} KiB)"));
    }
}
