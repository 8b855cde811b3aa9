using SmartApi.Server.Tests;
using SmartApi.Testing;
using static Microsoft.Playwright.Assertions;

namespace SmartApi.Console.Tests;

/// <summary>Two nodes on one PostgreSQL database, no sticky sessions: a session and its antiforgery tokens work on either.</summary>
public sealed class MultiNodeTests(Browser browser)
{
    [Fact]
    public async Task A_sign_in_form_from_one_node_posts_to_the_other_and_the_cookie_works_on_both()
    {
        var schema = PostgresTestEnvironment.NewName("console");
        var settings = new Dictionary<string, string?>
        {
            ["SmartApi:Storage:Provider"] = "postgres",
            ["SmartApi:Storage:ConnectionString"] = await PostgresTestEnvironment.CreateSchemaAsync(schema),
            ["SmartApi:Webhooks:EncryptionKey"] = SmartApiApplication.TestEncryptionKey,
        };
        try
        {
            await using var first = await SmartApiApplication.StartAsync(settings);
            await using var second = await SmartApiApplication.StartAsync(settings);
            await SmartApiApplication.CreateDeviceAsync(first.Admin, "DT31-MULTI-1");
            var page = await browser.NewPageAsync();

            // The form (and its antiforgery token) comes from the first node; the post goes to the second
            // (through the browser context's request API: the CSP's form-action 'self' keeps the page's own form on its origin).
            await page.GotoAsync(new Uri(first.BaseAddress, "/signin").ToString());
            var antiforgery = await page.Locator("input[name=__RequestVerificationToken]").GetAttributeAsync("value");
            var form = page.Context.APIRequest.CreateFormData();
            form.Set("__RequestVerificationToken", antiforgery!);
            form.Set("apiKey", SmartApiApplication.AdminKey);
            var signIn = await page.Context.APIRequest.PostAsync(new Uri(second.BaseAddress, "/console/signin").ToString(),
                new() { Form = form, MaxRedirects = 0 });
            Assert.Equal(302, signIn.Status);
            Assert.Equal("/", signIn.Headers["location"]);
            Assert.Contains(await page.Context.CookiesAsync(), c => c.Name == "smartapi_console");

            // The same cookie (cookies do not depend on the port) on the first node: its circuit and API calls.
            await page.GotoAsync(new Uri(first.BaseAddress, "/devices").ToString());
            await Expect(page.GetByTestId("device-row")).ToHaveCountAsync(1);
            await Expect(page.GetByTestId("device-row")).ToContainTextAsync("DT31-MULTI-1");
            await page.GotoAsync(new Uri(second.BaseAddress, "/devices").ToString());
            await Expect(page.GetByTestId("device-row")).ToContainTextAsync("DT31-MULTI-1");
        }
        finally
        {
            await PostgresTestEnvironment.DropSchemaAsync(schema);
        }
    }
}
