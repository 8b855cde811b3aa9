using Microsoft.Playwright;
using SmartApi.Server.Tests;
using static Microsoft.Playwright.Assertions;

namespace SmartApi.Console.Tests;

/// <summary>Signing in and out with an API key, in a real browser against the real server.</summary>
public sealed class SignInTests(Browser browser) : IAsyncLifetime
{
    private SmartApiApplication _app = default!;

    public async ValueTask InitializeAsync() => _app = await SmartApiApplication.StartAsync();

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Signing_in_with_a_key_opens_the_overview_and_signing_out_ends_the_session()
    {
        var page = await browser.NewPageAsync();
        var requests = new List<string>();
        page.Request += (_, request) => requests.Add(request.Url);
        var failed = new List<string>();
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                failed.Add($"{response.Status} {response.Url}");
            }
        };

        await page.GotoAsync(new Uri(_app.BaseAddress, "/devices").ToString());
        await Expect(page).ToHaveURLAsync(new Uri(_app.BaseAddress, "/signin").ToString());
        await Browser.AssertAccessibleAsync(page);
        await Browser.ScreenshotAsync(page, "signin");

        await page.GetByLabel("API key").FillAsync("sk_wrong_key_0123456789_abcdefghijklmnopqrstuvwxyz");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByTestId("signin-message")).ToContainTextAsync("not valid");

        await page.GetByLabel("API key").FillAsync(SmartApiApplication.AdminKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("tile-online")).ToHaveTextAsync("0 of 0");

        // The cookie: HttpOnly, SameSite=Strict, the token and never the key.
        var cookie = (await page.Context.CookiesAsync()).Single(c => c.Name == "smartapi_console");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.StartsWith("cs_", cookie.Value, StringComparison.Ordinal);
        Assert.DoesNotContain(requests, url => url.Contains("sk_", StringComparison.Ordinal));
        // The Blazor script and MudBlazor's files load, and the circuit skips the negotiate request (WebSockets only).
        Assert.Contains(requests, url => url.EndsWith("/_framework/blazor.web.js", StringComparison.Ordinal));
        Assert.Contains(requests, url => url.Contains("/_content/MudBlazor/MudBlazor.min.css", StringComparison.Ordinal));
        Assert.Contains(requests, url => url.Contains("/_content/MudBlazor/MudBlazor.min.js", StringComparison.Ordinal));
        Assert.DoesNotContain(requests, url => url.Contains("/_blazor/negotiate", StringComparison.Ordinal));
        Assert.DoesNotContain(failed, f => !f.Contains("/signin", StringComparison.Ordinal));
        await Browser.AssertAccessibleAsync(page);
        await Browser.ScreenshotAsync(page, "overview");

        // The session token is an API credential of its own: the API accepts it as the key.
        var asSession = _app.CreateClient(cookie.Value);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await asSession.GetAsync("/v1/devices", TestContext.Current.CancellationToken)).StatusCode);

        await page.GetByTestId("sign-out").ClickAsync();
        await Expect(page.GetByTestId("signin-message")).ToContainTextAsync("signed out");
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await asSession.GetAsync("/v1/devices", TestContext.Current.CancellationToken)).StatusCode);
        await page.GotoAsync(new Uri(_app.BaseAddress, "/").ToString());
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/signin"));
    }

    [Fact]
    public async Task Console_pages_carry_a_strict_content_security_policy()
    {
        var page = await browser.NewPageAsync();
        var response = await page.GotoAsync(new Uri(_app.BaseAddress, "/signin").ToString());
        var headers = await response!.AllHeadersAsync();
        Assert.Contains("script-src 'self';", headers["content-security-policy"], StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", headers["content-security-policy"], StringComparison.Ordinal);
        Assert.Equal("nosniff", headers["x-content-type-options"]);
        Assert.Equal("no-referrer", headers["referrer-policy"]);

        // A form post without the antiforgery token is refused.
        using var http = new HttpClient();
        var post = await http.PostAsync(new Uri(_app.BaseAddress, "/console/signin"),
            new FormUrlEncodedContent(new Dictionary<string, string> { ["apiKey"] = SmartApiApplication.AdminKey }), TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, post.StatusCode);
        Assert.False(post.Headers.Contains("Set-Cookie"));
    }
}
