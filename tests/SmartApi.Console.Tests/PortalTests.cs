using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using SmartApi.Contracts;
using SmartApi.Server.Portal;
using SmartApi.Server.Tests;
using SmartApi.Server.Tests.Webhooks;
using SmartApi.Server.WebConsole;
using SmartApi.WebConsole;
using SmartApi.WebConsole.Shared;
using static Microsoft.Playwright.Assertions;

namespace SmartApi.Console.Tests;

/// <summary>
/// The embeddable portal, inside an iframe of a page from another site (an HTTP server of the test on
/// <c>localhost</c>, the API on <c>127.0.0.1</c>): the brand, only its automation, webhook edits, a test
/// delivery, a rotated secret, a failed delivery's attempts and its retry, and the end of the session,
/// whether revoked or expired.
/// </summary>
public sealed partial class PortalTests(Browser browser)
{
    private static readonly Dictionary<string, string?> AllowLoopback = new() { ["SmartApi:Webhooks:AllowPrivateNetworks"] = "true" };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [GeneratedRegex("^http://127\\.0\\.0\\.1:\\d+/portal$")]
    private static partial Regex PortalWithoutFragment();

    private static async Task<AutomationResponse> CreateAutomationAsync(HttpClient admin, string name, params AutomationActionRequest[] actions)
    {
        var response = await admin.PostAsJsonAsync("/v1/automations",
            new AutomationRequest(name, Trigger: new AutomationTrigger(Events: ["device.switched"]), Actions: actions), SmartApiJsonContext.Default.AutomationRequest, Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
        return (await response.Content.ReadFromJsonAsync(SmartApiJsonContext.Default.AutomationResponse, Ct))!;
    }

    private static async Task<PortalSessionResponse> CreateSessionAsync(HttpClient admin, CreatePortalSessionRequest request)
    {
        var response = await admin.PostAsJsonAsync("/v1/portal-sessions", request, SmartApiJsonContext.Default.CreatePortalSessionRequest, Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
        return (await response.Content.ReadFromJsonAsync(SmartApiJsonContext.Default.PortalSessionResponse, Ct))!;
    }

    /// <summary>The integrator's site: another origin (and site) that embeds <paramref name="framed"/> in an iframe.</summary>
    private static async Task<(WebhookReceiver Site, Uri Page)> IntegratorSiteAsync(string framed)
    {
        var site = await WebhookReceiver.StartAsync();
        site.Respond = (_, context) =>
        {
            context.Response.ContentType = "text/html; charset=utf-8";
            return context.Response.WriteAsync($$"""
                <!DOCTYPE html>
                <html lang="en"><head><meta charset="utf-8"><title>Acme Heating: your account</title>
                <style>body { margin: 0; font-family: sans-serif; } header { padding: 8px 16px; } iframe { border: 0; width: 1280px; height: 740px; }</style></head>
                <body><header>Acme Heating · your account</header>
                <iframe id="embedded" title="Webhooks" src="{{framed}}" onload="document.body.dataset.loaded = 'yes'"></iframe></body></html>
                """);
        };
        // localhost, while the server answers on 127.0.0.1: another site, as an integrator's would be.
        return (site, new Uri($"http://localhost:{site.Url.Port}/account"));
    }

    private static async Task<IFrame> FrameAsync(IPage page) =>
        (await (await page.QuerySelectorAsync("#embedded"))!.ContentFrameAsync())!;

    [Fact]
    public async Task A_portal_in_another_sites_iframe_manages_only_its_automations_webhooks_until_revoked()
    {
        await using var app = await SmartApiApplication.StartAsync(AllowLoopback);
        await using var receiver = await WebhookReceiver.StartAsync();
        var mine = await CreateAutomationAsync(app.Admin, "Boiler alerts", new AutomationActionRequest("webhook", new Uri(receiver.Url, "/hook/a").ToString()));
        var other = await CreateAutomationAsync(app.Admin, "Another customer", new AutomationActionRequest("webhook", new Uri(receiver.Url, "/hook/other").ToString()));
        var session = await CreateSessionAsync(app.Admin, new CreatePortalSessionRequest([mine.Id], 900, new PortalBrand("Acme Heating", "#FFC107")));
        var token = session.Url![(session.Url!.IndexOf('#') + 1)..];
        var (site, sitePage) = await IntegratorSiteAsync(session.Url);
        await using var _ = site;

        var page = await browser.NewPageAsync();
        await page.GotoAsync(sitePage.ToString());
        var portal = page.FrameLocator("#embedded");

        // The brand in the header, on the accent colour with black text (amber is light); only its automation.
        await Expect(portal.GetByTestId("portal-brand")).ToHaveTextAsync("Acme Heating");
        var appBar = portal.Locator("header.mud-appbar");
        await Expect(appBar).ToHaveCSSAsync("background-color", "rgb(255, 193, 7)");
        await Expect(appBar).ToHaveCSSAsync("color", "rgb(0, 0, 0)");
        await Expect(portal.GetByTestId("portal-automation")).ToHaveCountAsync(1);
        await Expect(portal.GetByTestId("automation-link")).ToHaveTextAsync("Boiler alerts");
        await Expect(portal.GetByTestId("webhook-url")).ToHaveTextAsync(new Uri(receiver.Url, "/hook/a").ToString());
        await Expect(portal.GetByTestId("webhook-status")).ToHaveTextAsync("active");
        await Expect(portal.GetByText("Another customer")).ToHaveCountAsync(0);
        await Expect(portal.GetByTestId("event-type").Filter(new() { HasTextString = "device.switched" })).ToHaveCountAsync(1);
        // No way out to the console: no navigation, no sign-out, no API docs.
        await Expect(portal.GetByRole(AriaRole.Navigation)).ToHaveCountAsync(0);
        await Expect(portal.Locator("a[href*='docs'], a[href='/'], a[href='devices']")).ToHaveCountAsync(0);
        await Expect(portal.GetByTestId("sign-out")).ToHaveCountAsync(0);

        // The token left the address bar as soon as the page read it.
        var frame = await FrameAsync(page);
        Assert.Matches(PortalWithoutFragment(), frame.Url);
        Assert.Equal("", await frame.EvaluateAsync<string>("location.hash"));
        await Browser.AssertAccessibleAsync(page);
        await Browser.ScreenshotAsync(page, "portal");

        // Its automation: the webhook URL edited and saved through the API; a bad one is refused at the field.
        // By keyboard: the link opens the automation; Save answers Enter. Only the webhook's fields are offered.
        await portal.GetByTestId("automation-link").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(portal.GetByRole(AriaRole.Heading, new() { Name = "Boiler alerts", Level = 1 })).ToBeVisibleAsync();
        await Expect(portal.GetByLabel("Name", new() { Exact = true })).ToHaveCountAsync(0);
        await Expect(portal.GetByTestId("add-switch")).ToHaveCountAsync(0);
        var url = portal.GetByLabel("URL", new() { Exact = true });
        await url.FillAsync("ftp://example.com/hook");
        await portal.GetByTestId("save-webhooks").ClickAsync();
        await Expect(portal.Locator(".mud-input-helper-text.mud-input-error")).ToContainTextAsync("http");
        await Expect(portal.GetByTestId("saved")).ToHaveCountAsync(0);
        var moved = new Uri(receiver.Url, "/hook/b").ToString();
        await url.FillAsync(moved);
        await portal.GetByTestId("save-webhooks").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(portal.GetByTestId("saved")).ToBeVisibleAsync();
        var saved = await app.Admin.GetFromJsonAsync($"/v1/automations/{mine.Id}", SmartApiJsonContext.Default.AutomationResponse, Ct);
        Assert.Equal(moved, Assert.Single(saved!.Actions).Url);

        // A test event reaches the new address and its delivery shows, succeeded, without a reload.
        await Expect(portal.GetByTestId("no-deliveries")).ToBeVisibleAsync();
        await portal.GetByTestId("send-test").ClickAsync();
        await Expect(portal.GetByTestId("test-result")).ToContainTextAsync("queued for 1 webhook");
        await Expect(portal.GetByTestId("test-delivery")).ToHaveAttributeAsync("href", new Regex("^portal/deliveries/"));
        Assert.Equal("/hook/b", (await receiver.NextAsync()).Path);
        var row = portal.GetByTestId("delivery-row");
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row.GetByTestId("delivery-status")).ToHaveTextAsync("succeeded");
        await Expect(row).ToContainTextAsync("automation.test");

        // The secret rotates (once confirmed) and is shown once.
        await portal.GetByTestId("rotate-secret").ClickAsync();
        await portal.GetByTestId("confirm-rotate").ClickAsync();
        await Expect(portal.GetByTestId("secret")).ToHaveTextAsync(new Regex("^\\S{20,}$"));
        await Browser.AssertAccessibleAsync(page);
        await Browser.ScreenshotAsync(page, "portal-automation");
        await portal.GetByTestId("secret-done").ClickAsync();
        await Expect(portal.GetByTestId("secret")).ToHaveCountAsync(0);

        // Another automation's id, even with this link's token, is not found.
        await frame.GotoAsync(new Uri(app.BaseAddress, $"/portal/automations/{other.Id}#{token}").ToString());
        await Expect(portal.GetByRole(AriaRole.Heading, new() { Name = "Automation not found", Level = 1 })).ToBeVisibleAsync();
        await Expect(portal.GetByText("Another customer")).ToHaveCountAsync(0);

        // Revoked by the integrator: the next action says the link is over, naming who to ask.
        await frame.GotoAsync(new Uri(app.BaseAddress, $"/portal/automations/{mine.Id}#{token}").ToString());
        await Expect(portal.GetByRole(AriaRole.Heading, new() { Name = "Boiler alerts", Level = 1 })).ToBeVisibleAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await app.Admin.DeleteAsync($"/v1/portal-sessions/{session.Id}", Ct)).StatusCode);
        await portal.GetByTestId("send-test").ClickAsync();
        await Expect(portal.GetByTestId("portal-ended")).ToContainTextAsync("ask Acme Heating for a new one");
        await Expect(portal.GetByTestId("send-test")).ToHaveCountAsync(0);
        await Browser.AssertAccessibleAsync(page);

        // Opened again, the revoked link says so at once.
        await page.ReloadAsync();
        await Expect(portal.GetByTestId("portal-ended")).ToContainTextAsync("expired or was withdrawn");
    }

    [Fact]
    public async Task From_the_portal_a_failed_deliverys_attempts_show_and_it_is_retried_one_and_all()
    {
        await using var app = await SmartApiApplication.StartAsync(new Dictionary<string, string?>(AllowLoopback)
        {
            // One retry 10 ms later: a failing receiver's deliveries end failed at once.
            ["SmartApi:Webhooks:RetrySchedule:0"] = "00:00:00.010",
        });
        await using var receiver = await WebhookReceiver.StartAsync();
        var failing = true;
        receiver.Respond = async (_, context) =>
        {
            context.Response.StatusCode = failing ? 500 : 200;
            await context.Response.WriteAsync(failing ? "receiver down" : "ok", Ct);
        };
        var automation = await CreateAutomationAsync(app.Admin, "Boiler alerts", new AutomationActionRequest("webhook", receiver.Url.ToString(),
            Headers: new Dictionary<string, string> { ["Authorization"] = "Bearer receiver-secret" }));
        var session = await CreateSessionAsync(app.Admin, new CreatePortalSessionRequest([automation.Id], 900, new PortalBrand("Acme Heating", null)));
        await app.Admin.PostAsync($"/v1/automations/{automation.Id}/test", null, Ct);

        var page = await browser.NewPageAsync();
        await page.GotoAsync(session.Url!.Replace("/portal#", $"/portal/automations/{automation.Id}#", StringComparison.Ordinal));
        var failed = page.Locator("[data-testid=delivery-row][data-status=failed]");
        await Expect(failed).ToHaveCountAsync(1);
        var id = await failed.GetAttributeAsync("data-delivery-id");

        // Its attempts, in the portal's frame: status codes and the headers as sent, the custom value masked; no event JSON.
        await failed.GetByTestId("delivery-link").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Uri(app.BaseAddress, $"/portal/deliveries/{id}").ToString());
        await Expect(page.GetByTestId("portal-brand")).ToHaveTextAsync("Acme Heating");
        await Expect(page.GetByTestId("attempt")).ToHaveCountAsync(2);
        var attempt = page.GetByTestId("attempt").First;
        await Expect(attempt.GetByTestId("attempt-status-code")).ToHaveTextAsync("500");
        await Expect(attempt.GetByTestId("attempt-response")).ToHaveTextAsync("receiver down");
        await Expect(attempt.Locator("[data-testid=attempt-header][data-name=Authorization] td")).ToHaveTextAsync("***");
        await Expect(attempt.Locator("[data-testid=attempt-header][data-name=X-Delivery-Id] td")).ToHaveTextAsync(id!);
        await Expect(page.GetByTestId("view-event")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("delivery-automation")).ToHaveAttributeAsync("href", $"portal/automations/{automation.Id}");
        await Expect(page.GetByRole(AriaRole.Navigation)).ToHaveCountAsync(0);
        await Browser.AssertAccessibleAsync(page);
        await Browser.ScreenshotAsync(page, "portal-delivery");

        // The receiver recovers: Retry brings it to succeeded without a reload.
        failing = false;
        await page.GetByTestId("retry").ClickAsync();
        await Expect(page.GetByTestId("delivery").GetByTestId("delivery-status")).ToHaveTextAsync("succeeded");
        await Expect(page.GetByTestId("attempt")).ToHaveCountAsync(3);

        // Back at the automation: another failure, then Retry all failed (confirmed) for this automation.
        await page.GetByTestId("delivery-automation").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Boiler alerts", Level = 1 })).ToBeVisibleAsync();
        failing = true;
        await page.GetByTestId("send-test").ClickAsync();
        await Expect(failed).ToHaveCountAsync(1);
        failing = false;
        await page.GetByTestId("retry-all").ClickAsync();
        await page.GetByTestId("retry-all-yes").ClickAsync();
        await Expect(page.GetByTestId("deliveries-status")).ToHaveTextAsync("Queued 1 failed delivery again.");
        await Expect(page.Locator("[data-testid=delivery-row][data-status=succeeded]")).ToHaveCountAsync(2);
    }

    [Fact]
    public async Task The_console_refuses_to_be_framed_and_the_portal_only_by_the_configured_sites()
    {
        await using var app = await SmartApiApplication.StartAsync(new Dictionary<string, string?> { ["SmartApi:Portal:FrameAncestors"] = "https://app.example.com" });
        var (site, sitePage) = await IntegratorSiteAsync(new Uri(app.BaseAddress, "/signin").ToString());
        await using var _ = site;
        var page = await browser.NewPageAsync();
        await page.GotoAsync(sitePage.ToString());
        await Expect(page.Locator("body[data-loaded=yes]")).ToHaveCountAsync(1);
        await Expect(page.FrameLocator("#embedded").GetByLabel("API key")).ToHaveCountAsync(0);
        await Expect(page.FrameLocator("#embedded").Locator("script[src*='blazor.web.js']")).ToHaveCountAsync(0);

        using var http = new HttpClient { BaseAddress = app.BaseAddress };
        var console = await http.GetAsync("/signin", Ct);
        Assert.Contains("frame-ancestors 'none'", console.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("DENY", console.Headers.GetValues("X-Frame-Options").Single());
        var portal = await http.GetAsync("/portal", Ct);
        Assert.Equal(HttpStatusCode.OK, portal.StatusCode);
        Assert.Equal(ConsolePipeline.PortalContentSecurityPolicy("https://app.example.com"), portal.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Contains("frame-ancestors https://app.example.com;", ConsolePipeline.PortalContentSecurityPolicy("https://app.example.com"), StringComparison.Ordinal);
        Assert.False(portal.Headers.Contains("X-Frame-Options"));
        Assert.Equal("no-referrer", portal.Headers.GetValues("Referrer-Policy").Single());
        Assert.False(portal.Headers.Contains("Set-Cookie"));

        // A framable page's circuit goes without WebSocket compression; the console's keeps it.
        Assert.True(await CompressedAsync(app, "_blazor"));
        Assert.False(await CompressedAsync(app, "_blazor?" + ConsoleRegistration.PortalCircuit));

        // This site is not the configured one: the browser refuses the portal too.
        var (other, otherPage) = await IntegratorSiteAsync(new Uri(app.BaseAddress, "/portal").ToString());
        await using var __ = other;
        await page.GotoAsync(otherPage.ToString());
        await Expect(page.Locator("body[data-loaded=yes]")).ToHaveCountAsync(1);
        await Expect(page.FrameLocator("#embedded").Locator("script[src*='blazor.web.js']")).ToHaveCountAsync(0);
    }

    /// <summary>Whether the server accepts permessage-deflate on the circuit hub at <paramref name="path"/>.</summary>
    private static async Task<bool> CompressedAsync(SmartApiApplication app, string path)
    {
        using var socket = new System.Net.WebSockets.ClientWebSocket();
        socket.Options.DangerousDeflateOptions = new System.Net.WebSockets.WebSocketDeflateOptions();
        socket.Options.CollectHttpResponseDetails = true;
        await socket.ConnectAsync(new Uri(app.BaseAddress.ToString().Replace("http://", "ws://", StringComparison.Ordinal) + path), Ct);
        var extensions = socket.HttpResponseHeaders?.TryGetValue("Sec-WebSocket-Extensions", out var values) == true ? string.Join(",", values) : "";
        return extensions.Contains("permessage-deflate", StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_page_says_when_the_session_expires_while_open_and_a_reload_asks_for_the_link_again()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await SmartApiApplication.StartAsync(AllowLoopback, configure: builder => builder.Services.AddSingleton<TimeProvider>(time));
        var automation = await CreateAutomationAsync(app.Admin, "Heat pump", new AutomationActionRequest("webhook", "https://example.com/hook"),
            new AutomationActionRequest("switch", DeviceId: (await SmartApiApplication.CreateDeviceAsync(app.Admin)).Id, State: SwitchAction.On));
        var session = await CreateSessionAsync(app.Admin, new CreatePortalSessionRequest([automation.Id], 60, null));

        var page = await browser.NewPageAsync();
        await page.GotoAsync(session.Url!.Replace("/portal#", $"/portal/automations/{automation.Id}#", StringComparison.Ordinal));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Heat pump", Level = 1 })).ToBeVisibleAsync();
        // Without a brand the header says what the page is; a switch action keeps the webhooks read-only.
        await Expect(page.GetByTestId("portal-brand")).ToHaveTextAsync("Webhooks");
        await Expect(page.GetByTestId("not-editable")).ToContainTextAsync("switches devices");
        await Expect(page.GetByTestId("save-webhooks")).ToHaveCountAsync(0);
        await Browser.AssertAccessibleAsync(page);

        // The server's clock passes the expiry: the page says so without a click.
        time.Advance(TimeSpan.FromSeconds(61));
        await Expect(page.GetByTestId("portal-ended")).ToContainTextAsync("ask whoever gave it to you for a new one");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Heat pump" })).ToHaveCountAsync(0);
        await Browser.AssertAccessibleAsync(page);

        // A reload has no token (it left the address bar): the page asks for the link again.
        await page.ReloadAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Open the link again", Level = 1 })).ToBeVisibleAsync();
        Assert.DoesNotContain("#", page.Url, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("#FFC107", "#000000")]
    [InlineData("#1A73E8", "#000000")] // white would be 4.50:1, black 4.66:1
    [InlineData("#1565C0", "#ffffff")]
    [InlineData("#1a237e", "#ffffff")]
    [InlineData("#FFFFFF", "#000000")]
    [InlineData("#777777", "#000000")]
    [InlineData("#595959", "#ffffff")]
    public void Text_on_the_accent_is_black_or_white_whichever_contrasts_more(string accent, string text) =>
        Assert.Equal(text, PortalTheme.TextOn(accent));

    [Theory]
    [InlineData("portal", true)]
    [InlineData("portal/automations/aut_1", true)]
    [InlineData("portal?x=1", true)]
    [InlineData("portals", false)]
    [InlineData("devices", false)]
    [InlineData("", false)]
    public void The_portal_layout_is_for_portal_paths_only(string path, bool portal) =>
        Assert.Equal(portal, Routes.IsPortal(path));

    [Theory]
    [InlineData("*", true)]
    [InlineData("https://app.example.com https://*.example.org:8443 'self'", true)]
    [InlineData("https:", true)]
    [InlineData("'none'", true)]
    [InlineData("", false)]
    [InlineData("'none' https://app.example.com", false)]
    [InlineData("https://app.example.com/path", false)]
    [InlineData("'unsafe-inline'", false)]
    [InlineData("https://a.example; script-src *", false)]
    public void Frame_ancestors_are_checked_at_start(string value, bool valid) =>
        Assert.Equal(valid, new PortalOptionsValidator().Validate(null, new PortalOptions { FrameAncestors = value }).Succeeded);

    [Fact]
    public void A_portal_user_holds_the_portal_tokens_scopes_and_its_grant()
    {
        var expires = DateTimeOffset.UtcNow.AddMinutes(15);
        var user = ConsoleUser.ForPortal("pt_x", new PortalSessionResponse("ps_1", "org_1", ["aut_1"], new PortalBrand("Acme", "#123456"), DateTimeOffset.UtcNow, expires, null));
        Assert.True(user.Can("automations:write"));
        Assert.False(user.Can("devices:read"));
        Assert.Equal(["aut_1"], user.Portal!.AutomationIds);
        Assert.Equal(("Acme", "#123456", expires), (user.Portal.BrandName, user.Portal.AccentColor, user.Portal.ExpiresAt));
    }
}
