using Microsoft.Playwright;
using SmartApi.Server.Tests;
using static Microsoft.Playwright.Assertions;

namespace SmartApi.Console.Tests;

/// <summary>The organizations page: create, rename and set limits as admin; a non-admin sees no entry and a clear message.</summary>
public sealed class OrganizationsTests(Browser browser)
{
    [Fact]
    public async Task An_admin_creates_renames_and_sets_the_limits_of_an_organization()
    {
        await using var app = await SmartApiApplication.StartAsync();
        var page = await DevicesTests.SignInAsync(browser, app.BaseAddress, SmartApiApplication.AdminKey);
        await page.GetByTestId("nav-organizations").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Organizations" })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("organization-row")).ToHaveCountAsync(1);

        await page.GetByTestId("new-organization").ClickAsync();
        await page.GetByTestId("save-organization").ClickAsync();
        await Expect(page.GetByText("name is required")).ToBeVisibleAsync();
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Acme Heating");
        await page.GetByTestId("save-organization").ClickAsync();
        var row = page.GetByTestId("organization-row").Filter(new() { HasText = "Acme Heating" });
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row.GetByTestId("organization-limits")).ToHaveTextAsync("server defaults");

        await row.GetByTestId("edit-organization").ClickAsync();
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Acme Heating GmbH");
        await page.Locator("#limit-maxDevices").FillAsync("ten");
        await page.GetByTestId("save-organization").ClickAsync();
        await Expect(page.GetByText("limits.maxDevices must be a whole number")).ToBeVisibleAsync();
        // The API's own range check, shown at its field.
        await page.Locator("#limit-maxDevices").FillAsync("10");
        await page.Locator("#limit-requestsPerSecond").FillAsync("0");
        await page.GetByTestId("save-organization").ClickAsync();
        await Expect(page.GetByText("limits.requestsPerSecond must be between 1")).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(page);
        await page.Locator("#limit-requestsPerSecond").FillAsync("5");
        await page.GetByTestId("save-organization").ClickAsync();

        row = page.GetByTestId("organization-row").Filter(new() { HasText = "Acme Heating GmbH" });
        await Expect(row.GetByTestId("organization-limits")).ToHaveTextAsync("requests per second 5, devices 10");
        await Expect(page.GetByTestId("save-organization")).ToHaveCountAsync(0);
        await Browser.AssertAccessibleAsync(page);
        await Browser.ScreenshotAsync(page, "organizations");
    }

    [Fact]
    public async Task A_key_without_admin_sees_no_entry_and_a_clear_message_at_the_address()
    {
        await using var app = await SmartApiApplication.StartAsync();
        var key = await app.CreateKeyAsync(["devices:read", "keys:manage"]);
        var page = await DevicesTests.SignInAsync(browser, app.BaseAddress, key);
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "API keys" })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("nav-organizations")).ToHaveCountAsync(0);

        await page.GotoAsync(new Uri(app.BaseAddress, "/organizations").ToString());
        await Expect(page.GetByTestId("needs-admin")).ToContainTextAsync("admin");
        await Expect(page.GetByTestId("new-organization")).ToHaveCountAsync(0);
        await Browser.AssertAccessibleAsync(page);
    }
}
