using System.Net;
using System.Net.Http.Headers;

namespace SmartApi.Server.Tests.WebConsole;

/// <summary>The console's scripts and styles go out precompressed, as the browser asks, and revalidate to 304.</summary>
public sealed class ConsoleAssetTests(AppFixture fixture) : ServerTest(fixture)
{
    [Theory]
    [InlineData("/_content/MudBlazor/MudBlazor.min.css", "br")]
    [InlineData("/_content/MudBlazor/MudBlazor.min.css", "gzip")]
    [InlineData("/_content/MudBlazor/MudBlazor.min.js", "br")]
    [InlineData("/_framework/blazor.web.js", "br")]
    [InlineData("/_framework/blazor.web.js", "gzip")]
    public async Task A_static_asset_is_served_compressed_in_the_encoding_asked_for(string path, string encoding)
    {
        using var http = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None }) { BaseAddress = App.BaseAddress };
        var identity = await http.GetByteArrayAsync(path, Ct);

        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.AcceptEncoding.ParseAdd(encoding);
        using var response = await http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([encoding], response.Content.Headers.ContentEncoding);
        // Minified CSS and JavaScript compress to well under half: a copy wrapped without compression would not.
        var body = await response.Content.ReadAsByteArrayAsync(Ct);
        Assert.True(body.Length < identity.Length / 2, $"{path} in {encoding}: {body.Length} bytes of {identity.Length}");

        // The browser's revalidation (Cache-Control: no-cache) costs no body.
        using var again = new HttpRequestMessage(HttpMethod.Get, path);
        again.Headers.AcceptEncoding.ParseAdd(encoding);
        again.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Parse(response.Headers.ETag!.ToString()));
        using var revalidated = await http.SendAsync(again, Ct);
        Assert.Equal(HttpStatusCode.NotModified, revalidated.StatusCode);
    }
}
