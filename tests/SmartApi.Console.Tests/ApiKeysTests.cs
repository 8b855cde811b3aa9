using Microsoft.Playwright;
using SmartApi.Server.Tests;
using SmartApi.WebConsole.Shared;
using static Microsoft.Playwright.Assertions;

namespace SmartApi.Console.Tests;

/// <summary>The API keys page: create with chosen scopes, the secret once, sign in with the new key, revoke and see its session end.</summary>
public sealed class ApiKeysTests(Browser browser)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void The_console_offers_exactly_the_scopes_the_server_knows_in_its_order() =>
        Assert.Equal(Server.ApiKeys.Scopes.All, ApiKeyScopes.All.Select(s => s.Name));

    [Fact]
    public async Task A_key_created_in_the_console_shows_its_secret_once_signs_in_with_its_scopes_only_and_ends_its_session_when_revoked()
    {
        await using var app = await SmartApiApplication.StartAsync();
        var page = await DevicesTests.SignInAsync(browser, app.BaseAddress, SmartApiApplication.AdminKey);
        // The header names the organization, not its id.
        await Expect(page.GetByTestId("signed-in-as")).ToHaveTextAsync("default");

        await page.GetByRole(AriaRole.Link, new() { Name = "API keys" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "API keys" })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("key-row")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("current-key")).ToBeVisibleAsync();

        await page.GetByTestId("new-key").ClickAsync();
        // The API's validation shows at the field.
        await page.GetByTestId("create-key").ClickAsync();
        await Expect(page.GetByTestId("scopes-problem")).ToContainTextAsync("scopes is required");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("ERP reader");
        await page.GetByRole(AriaRole.Checkbox, new() { Name = "devices:read" }).CheckAsync();
        await page.GetByRole(AriaRole.Checkbox, new() { Name = "events:read" }).CheckAsync();
        await page.GetByTestId("create-key").ClickAsync();

        var secret = (await page.GetByTestId("key-secret").TextContentAsync())!.Trim();
        Assert.StartsWith("sk_", secret, StringComparison.Ordinal);
        await Expect(page.GetByTestId("secret-warning")).ToContainTextAsync("shown once");
        await Expect(page.GetByTestId("copy-secret")).ToBeVisibleAsync();
        var row = page.GetByTestId("key-row").Filter(new() { HasText = "ERP reader" });
        await Expect(row.GetByTestId("key-scopes")).ToHaveTextAsync("devices:read, events:read");
        await Browser.AssertAccessibleAsync(page);
        await Browser.ScreenshotAsync(page, "api-keys");

        // Gone after Done, and after a reload: the secret lived only in the form.
        await page.GetByTestId("secret-done").ClickAsync();
        await Expect(page.GetByTestId("key-secret")).ToHaveCountAsync(0);
        await page.ReloadAsync();
        await Expect(row).ToHaveCountAsync(1);
        Assert.DoesNotContain(secret, await page.ContentAsync(), StringComparison.Ordinal);

        // Signed in with the new key: what its scopes allow, and why the rest is missing.
        var reader = await DevicesTests.SignInAsync(browser, app.BaseAddress, secret);
        await reader.GotoAsync(new Uri(app.BaseAddress, "/api-keys").ToString());
        await Expect(reader.GetByTestId("keys-scope-missing")).ToContainTextAsync("keys:manage");
        await Expect(reader.GetByTestId("new-key")).ToHaveCountAsync(0);
        await Expect(reader.GetByTestId("nav-organizations")).ToHaveCountAsync(0);
        await Browser.AssertAccessibleAsync(reader);
        await reader.GotoAsync(new Uri(app.BaseAddress, "/devices").ToString());
        await Expect(reader.GetByRole(AriaRole.Heading, new() { Name = "Devices" })).ToBeVisibleAsync();
        await Expect(reader.GetByTestId("new-device")).ToHaveCountAsync(0);

        // Revoked from the admin's console: asked first, then the reader's session ends at once.
        await row.GetByTestId("revoke-key").ClickAsync();
        await Expect(page.GetByTestId("revoke-own-warning")).ToHaveCountAsync(0);
        await page.GetByTestId("confirm-revoke").ClickAsync();
        await Expect(row.GetByTestId("key-status")).ToContainTextAsync("revoked");
        await Expect(row.GetByTestId("revoke-key")).ToHaveCountAsync(0);
        // The reader's open devices page finds out on its next API call (the power refresh) and goes to sign-in, without a reload.
        await Expect(reader).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/signin\\?expired=1$"));
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await app.CreateClient(secret).GetAsync("/v1/devices", Ct)).StatusCode);
    }

    [Fact]
    public async Task Revoking_the_key_of_this_session_warns_first_then_signs_out()
    {
        await using var app = await SmartApiApplication.StartAsync();
        var key = await app.CreateKeyAsync(["keys:manage", "devices:read"]);
        var page = await DevicesTests.SignInAsync(browser, app.BaseAddress, key);
        await page.GotoAsync(new Uri(app.BaseAddress, "/api-keys").ToString());

        // The admin key is out of reach (the API refuses to revoke a more powerful key); this session's own key is not.
        var own = page.GetByTestId("key-row").Filter(new() { Has = page.GetByTestId("current-key") });
        await own.GetByTestId("revoke-key").ClickAsync();
        await Expect(page.GetByTestId("revoke-own-warning")).ToContainTextAsync("ends this console session");
        await page.GetByTestId("cancel-revoke").ClickAsync();
        await Expect(page.GetByTestId("revoke-own-warning")).ToHaveCountAsync(0);
        await Expect(own.GetByTestId("key-status")).ToHaveTextAsync("active");

        await own.GetByTestId("revoke-key").ClickAsync();
        await page.GetByTestId("confirm-revoke").ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/signin\\?expired=1$"));
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await app.CreateClient(key).GetAsync("/v1/devices", Ct)).StatusCode);
        await page.GotoAsync(new Uri(app.BaseAddress, "/api-keys").ToString());
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/signin"));
    }
}
