using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using SmartApi.Server.Tests;
using static Microsoft.Playwright.Assertions;

namespace SmartApi.Console.Tests;

/// <summary>/docs (Scalar) in a real browser: everything from the server itself, no hosted-service controls, the API-key scheme preselected.</summary>
public sealed class DocsPageTests(Browser browser)
{
    // What Scalar's request client (not the reference) still has, see AssertAccessibleAsync.
    private static readonly string[] ScalarClientAria = ["aria-required-attr", "aria-prohibited-attr", "aria-input-field-name", "aria-valid-attr-value"];

    // Controls of Scalar's hosted services, which cannot work in a self-hosted, offline installation.
    private static readonly string[] HostedControls = ["Ask AI", "Deploy", "Share", "Generate SDK", "MCP", "Open API Client", "Developer Tools"];

    [Fact]
    public async Task Docs_load_only_from_the_server_show_no_hosted_service_controls_and_preselect_the_api_key()
    {
        await using var app = await SmartApiApplication.StartAsync();
        var page = await browser.NewPageAsync();
        var requests = new List<Uri>();
        page.Request += (_, request) => requests.Add(new Uri(request.Url));
        // Scalar's bundle is large: the first load of a run, on two cores shared with the rest of the suite, can pass the 15 s default.
        await page.GotoAsync(new Uri(app.BaseAddress, "/docs/").ToString(), new() { WaitUntil = WaitUntilState.NetworkIdle, Timeout = 60_000 });
        // Scalar renders the document client-side; the title heading means the document was read and drawn.
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Smart API" }).First).ToBeVisibleAsync(new() { Timeout = 30_000 });

        var controls = await VisibleControlNamesAsync(page);
        foreach (var hosted in HostedControls)
        {
            Assert.DoesNotContain(controls, name => name.Contains(hosted, StringComparison.OrdinalIgnoreCase));
        }
        await Expect(page.Locator("[class*='toolbar' i]:visible")).ToHaveCountAsync(0);

        // Our theme override and the page language: no serious or critical axe finding on the reference.
        await AssertAccessibleAsync(page);
        await Browser.ScreenshotAsync(page, "docs");

        // An operation's test request starts with the API-key scheme selected: only the key is left to paste.
        await page.GetByRole(AriaRole.Button, new() { Name = "Test Request" }).First.ClickAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Close Client" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Selected Auth Type: ApiKey" }).Last).ToBeVisibleAsync();
        await AssertAccessibleAsync(page, ScalarClientAria);
        controls = await VisibleControlNamesAsync(page);
        foreach (var hosted in HostedControls)
        {
            Assert.DoesNotContain(controls, name => name.Contains(hosted, StringComparison.OrdinalIgnoreCase));
        }

        // Nothing came from anywhere else: no CDN fonts or scripts, no Scalar services, no telemetry.
        Assert.NotEmpty(requests);
        var elsewhere = requests.Where(r => r.Scheme is "http" or "https" or "ws" or "wss"
            && !(r.Host == app.BaseAddress.Host && r.Port == app.BaseAddress.Port)).ToList();
        Assert.True(elsewhere.Count == 0, "Requests left the server: " + string.Join(", ", elsewhere));
        Assert.Contains(requests, r => r.AbsolutePath == "/openapi/v1.json");

        // Scalar's dark mode (its toggle in the sidebar) keeps the contrast too. The client closes first: checked while it
        // still fades out, its half-transparent controls read as near-black on black (a CI run failed so).
        await page.GetByRole(AriaRole.Button, new() { Name = "Close Client" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Close Client" })).ToBeHiddenAsync();
        await page.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("dark mode", System.Text.RegularExpressions.RegexOptions.IgnoreCase) }).First.ClickAsync();
        await Expect(page.Locator("body.dark-mode")).ToHaveCountAsync(1);
        await AssertAccessibleAsync(page);
    }

    [Fact]
    public async Task A_signed_in_console_user_sends_a_test_request_from_the_docs_without_pasting_a_key()
    {
        await using var app = await SmartApiApplication.StartAsync();
        var page = await DevicesTests.SignInAsync(browser, app.BaseAddress, SmartApiApplication.AdminKey);
        var token = (await page.Context.CookiesAsync()).Single(c => c.Name == "smartapi_console").Value;

        // Scalar's bundle is large: on two cores shared with the rest of the suite its load takes longer than the 15 s default.
        var docs = await page.GotoAsync(new Uri(app.BaseAddress, "/docs/#tag/organizations/GET/v1/organization").ToString(), new() { Timeout = 60_000 });
        Assert.Equal("no-store", (await docs!.AllHeadersAsync())["cache-control"]);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Smart API" }).First).ToBeVisibleAsync(new() { Timeout = 30_000 });
        // The operation's own "Test Request": the first after its heading.
        var heading = page.GetByRole(AriaRole.Heading, new() { Name = "Get the organization of the calling key (any key)." }).First;
        await heading.ScrollIntoViewIfNeededAsync();
        await heading.Locator("xpath=following::button[contains(normalize-space(.), 'Test Request')][1]").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Close Client" })).ToBeVisibleAsync();

        // Sent at once: the session's token is already there, and the answer is the organization's.
        var sent = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Send") }).Last.ClickAsync(),
            r => r.Url.EndsWith("/v1/organization", StringComparison.Ordinal));
        Assert.Equal(200, sent.Status);
        Assert.Equal("Bearer " + token, await sent.Request.HeaderValueAsync("authorization"));
        Assert.Contains("\"name\":\"default\"", await sent.TextAsync(), StringComparison.Ordinal);
        await Expect(page.GetByText("200", new() { Exact = true }).First).ToBeVisibleAsync();
        await Browser.ScreenshotAsync(page, "docs-signed-in");
        await AssertAccessibleAsync(page, ScalarClientAria);
        // Nothing of it kept by the browser: Scalar does not persist authentication.
        Assert.DoesNotContain(token, await page.EvaluateAsync<string>("() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage)"), StringComparison.Ordinal);

        // Signed out, the page carries no token.
        var visitor = await browser.NewPageAsync();
        // Only the document is read: no need to wait for Scalar's bundle (a long load under a full run).
        var html = await (await visitor.GotoAsync(new Uri(app.BaseAddress, "/docs/").ToString(), new() { WaitUntil = WaitUntilState.Commit, Timeout = 60_000 }))!.TextAsync();
        Assert.DoesNotContain("cs_", html, StringComparison.Ordinal);
    }

    /// <summary>
    /// No serious or critical axe finding, with every node named (contrast failures say their colours)
    /// except the rules listed: the open "Test Request" client's own ARIA (its editable key/value fields
    /// as comboboxes without aria-controls, "More Information" buttons with role none, the CodeMirror body
    /// editor without a name, the response's "Copy code" button with an invalid ARIA value) is Scalar's
    /// markup, which no option or style of ours reaches.
    /// </summary>
    /// <summary>Waits until no CSS transition or animation runs (a theme switch fades colours), at most 5 s.</summary>
    private static async Task SettledAsync(IPage page) => await page.WaitForFunctionAsync(
        "() => document.getAnimations().every(a => a.playState !== 'running')", null, new() { Timeout = 5_000 });

    // Checked once nothing fades: colours mid-transition read as too little contrast (CI runs failed so).
    private static async Task AssertAccessibleAsync(IPage page, params string[] except)
    {
        await SettledAsync(page);
        var axe = await page.RunAxe();
        var bad = axe.Violations.Where(v => v.Impact is "serious" or "critical" && !except.Contains(v.Id))
            .SelectMany(v => v.Nodes.Select(n => $"{v.Impact} {v.Id}: {n.Target} {string.Join(" | ", n.Any.Concat(n.All).Concat(n.None).Select(c => c.Message))}")).ToList();
        Assert.True(bad.Count == 0, string.Join("\n", bad));
    }

    private static Task<string[]> VisibleControlNamesAsync(IPage page) => page.EvaluateAsync<string[]>(
        """
        () => [...document.querySelectorAll('button, a, [role=button], [role=menuitem]')]
            .filter(e => e.offsetParent !== null)
            .map(e => ((e.innerText || '') + ' ' + (e.getAttribute('aria-label') || '') + ' ' + (e.getAttribute('title') || '')).trim())
        """);
}
