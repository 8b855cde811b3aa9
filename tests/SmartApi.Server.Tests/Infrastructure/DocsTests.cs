using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;

namespace SmartApi.Server.Tests.Infrastructure;

/// <summary>
/// /docs and the document behind it, as a self-hosted offline installation needs them: nothing
/// fetched from the internet, no hosted-service buttons, the API-key scheme preselected; and the
/// OpenAPI document keeps to what Redocly's recommended ruleset asks (.ci/run lints it for real).
/// </summary>
public sealed partial class DocsTests(AppFixture fixture) : ServerTest(fixture)
{
    private async Task<string> DocsPageAsync()
    {
        var response = await App.CreateClient().GetAsync("/docs/", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsStringAsync(Ct);
    }

    [Fact]
    public async Task The_docs_page_loads_only_the_servers_own_scripts()
    {
        var html = await DocsPageAsync();
        var sources = ResourceUrl().Matches(html).Select(m => m.Groups["url"].Value).ToList();
        Assert.NotEmpty(sources);
        Assert.All(sources, url => Assert.False(Uri.TryCreate(url, UriKind.Absolute, out _) || url.StartsWith("//", StringComparison.Ordinal), url));
        foreach (var url in sources)
        {
            var script = await App.CreateClient().GetAsync(new Uri(new Uri(App.BaseAddress, "/docs/"), url), Ct);
            Assert.True(script.StatusCode == HttpStatusCode.OK, $"{url}: {script.StatusCode}");
        }
        Assert.DoesNotContain("fonts.scalar.com", html);
        Assert.DoesNotContain("cdn.jsdelivr.net", html);
    }

    [Fact]
    public async Task The_docs_page_hides_hosted_services_and_preselects_the_api_key()
    {
        var config = Configuration(await DocsPageAsync());
        Assert.False(config.GetProperty("withDefaultFonts").GetBoolean());
        Assert.True(config.GetProperty("hideClientButton").GetBoolean());
        Assert.Equal("never", config.GetProperty("showDeveloperTools").GetString());
        Assert.True(config.GetProperty("agent").GetProperty("disabled").GetBoolean());
        Assert.True(config.GetProperty("mcp").GetProperty("disabled").GetBoolean());
        Assert.False(config.GetProperty("telemetry").GetBoolean());
        Assert.Equal(["ApiKey"], config.GetProperty("authentication").GetProperty("preferredSecurityScheme").EnumerateArray().Select(s => s.GetString()));
        Assert.False(config.TryGetProperty("proxyUrl", out var proxy) && proxy.ValueKind == JsonValueKind.String, "requests go through a proxy");
    }

    [Fact]
    public async Task The_OpenAPI_document_has_a_license_described_tags_and_no_trailing_slash_server()
    {
        var document = JsonDocument.Parse(await App.CreateClient().GetStringAsync("/openapi/v1.json", Ct)).RootElement;
        var license = document.GetProperty("info").GetProperty("license");
        Assert.Equal(("MIT", "MIT"), (license.GetProperty("name").GetString(), license.GetProperty("identifier").GetString()));
        var servers = document.GetProperty("servers").EnumerateArray().Select(s => s.GetProperty("url").GetString()!).ToList();
        Assert.NotEmpty(servers);
        Assert.All(servers, url => Assert.False(url.EndsWith('/'), url));

        var declared = document.GetProperty("tags").EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!, t => t);
        Assert.All(declared, tag => Assert.False(string.IsNullOrWhiteSpace(tag.Value.TryGetProperty("description", out var d) ? d.GetString() : null), tag.Key));
        var used = document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject())
            .SelectMany(operation => operation.Value.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!))
            .ToHashSet();
        Assert.Subset(declared.Keys.ToHashSet(), used);
    }

    [Fact]
    public async Task Without_a_session_the_docs_page_carries_no_key_and_no_token_and_with_one_it_carries_the_session_token_only()
    {
        var sessions = App.Services.GetRequiredService<global::SmartApi.Server.WebConsole.ConsoleSessionAuthenticator>();
        var (token, _, _) = await sessions.SignInAsync(SmartApiApplication.AdminKey, Ct);

        using var signedOut = await App.CreateClient().GetAsync("/docs/", Ct);
        var html = await signedOut.Content.ReadAsStringAsync(Ct);
        Assert.DoesNotContain("sk_", html, StringComparison.Ordinal);
        Assert.DoesNotContain("cs_", html, StringComparison.Ordinal);
        Assert.False(Configuration(html).GetProperty("authentication").TryGetProperty("securitySchemes", out _));
        Assert.NotEqual("no-store", signedOut.Headers.CacheControl?.ToString());

        using var request = new HttpRequestMessage(HttpMethod.Get, "/docs/");
        request.Headers.Add("Cookie", $"smartapi_console={token}");
        using var signedIn = await App.CreateClient().SendAsync(request, Ct);
        html = await signedIn.Content.ReadAsStringAsync(Ct);
        Assert.True(signedIn.Headers.CacheControl?.NoStore, "a page with a token must not be stored");
        var authentication = Configuration(html).GetProperty("authentication");
        Assert.Equal(token, authentication.GetProperty("securitySchemes").GetProperty("ApiKey").GetProperty("token").GetString());
        Assert.False(Configuration(html).TryGetProperty("persistAuth", out var persist) && persist.GetBoolean());
        Assert.DoesNotContain(SmartApiApplication.AdminKey, html, StringComparison.Ordinal);

        // The options are per request: the next visitor without a session gets no token, and an ended session none either.
        Assert.DoesNotContain(token!, await App.CreateClient().GetStringAsync("/docs/", Ct), StringComparison.Ordinal);
        await sessions.SignOutAsync(token!);
        using var ended = new HttpRequestMessage(HttpMethod.Get, "/docs/");
        ended.Headers.Add("Cookie", $"smartapi_console={token}");
        Assert.DoesNotContain(token!, await (await App.CreateClient().SendAsync(ended, Ct)).Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    /// <summary>The JSON object the page hands to Scalar (its inline configuration).</summary>
    private static JsonElement Configuration(string html)
    {
        var match = InlineConfiguration().Match(html);
        Assert.True(match.Success, html);
        return JsonDocument.Parse(match.Groups["json"].Value).RootElement;
    }

    [GeneratedRegex("""<(?:script|link)[^>]*\b(?:src|href)="(?<url>[^"]+)"[^>]*>""")]
    private static partial Regex ResourceUrl();

    [GeneratedRegex("""^\s*(?<json>\{".*\}),\s*$""", RegexOptions.Multiline)]
    private static partial Regex InlineConfiguration();
}
