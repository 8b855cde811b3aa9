using System.Net.Http.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Playwright;
using SmartApi.Contracts;
using SmartApi.Server.Tests;
using SmartApi.Server.Tests.Webhooks;
using static Microsoft.Playwright.Assertions;

namespace SmartApi.Console.Tests;

/// <summary>
/// The deliveries pages against a real receiver that first answers 500: failed deliveries with their
/// attempts, headers and response, retried one by one and all at once until they succeed, filters,
/// and a read-only key without retry controls.
/// </summary>
public sealed class DeliveriesTests(Browser browser)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<SmartApiApplication> StartAsync() => SmartApiApplication.StartAsync(new Dictionary<string, string?>
    {
        ["SmartApi:Webhooks:AllowPrivateNetworks"] = "true",
        // One retry 10 ms later: a failing receiver's deliveries end failed at once.
        ["SmartApi:Webhooks:RetrySchedule:0"] = "00:00:00.010",
    });

    // The circuit breaker is off: these tests need every failed delivery in the log, not held behind an open circuit.
    private static async Task<AutomationResponse> CreateAutomationAsync(SmartApiApplication app, Uri url, string name)
    {
        var response = await app.Admin.PostJsonAsync("/v1/automations", $$$"""
            {"name":"{{{name}}}","trigger":{"events":["device.created","automation.test"]},
             "actions":[{"type":"webhook","url":"{{{url}}}","headers":{"Authorization":"Bearer receiver-secret"},"circuitBreaker":{"enabled":false}}]}
            """);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync(SmartApiJsonContext.Default.AutomationResponse, Ct))!;
    }

    [Fact]
    public async Task Failed_deliveries_show_their_attempts_and_are_retried_one_and_all_until_they_succeed()
    {
        await using var app = await StartAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        var failing = true;
        receiver.Respond = async (_, context) =>
        {
            context.Response.StatusCode = failing ? 500 : 200;
            await context.Response.WriteAsync(failing ? "<b>receiver down</b>" : "ok", Ct);
        };
        var automation = await CreateAutomationAsync(app, receiver.Url, "ERP forward");
        for (var i = 0; i < 3; i++)
        {
            await SmartApiApplication.CreateDeviceAsync(app.Admin);
        }
        await app.Admin.PostAsync($"/v1/automations/{automation.Id}/test", null, Ct);
        var page = await DevicesTests.SignInAsync(browser, app.BaseAddress, SmartApiApplication.AdminKey);

        await page.GetByRole(AriaRole.Link, new() { Name = "Deliveries", Exact = true }).ClickAsync();
        var rows = page.GetByTestId("delivery-row");
        await Expect(page.Locator("[data-testid=delivery-row][data-status=failed]")).ToHaveCountAsync(4);
        // Newest first: the test event came last.
        await Expect(rows.First.GetByTestId("delivery-type")).ToHaveTextAsync("automation.test");
        await Expect(rows.First).ToContainTextAsync("ERP forward");
        await Expect(rows.First.GetByTestId("delivery-attempts")).ToHaveTextAsync("2");

        // Filters narrow the list.
        await ConsolePage.ChooseAsync(page, "type-filter", "device.created");
        await Expect(rows).ToHaveCountAsync(3);
        await ConsolePage.ChooseAsync(page, "status-filter", "succeeded");
        await Expect(page.GetByTestId("no-deliveries")).ToBeVisibleAsync();
        await ConsolePage.ChooseAsync(page, "status-filter", "Any status");
        await page.Locator("#deliveries-from").FillAsync(DateTime.UtcNow.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture));
        await page.GetByTestId("apply-time").ClickAsync();
        await Expect(page.GetByTestId("no-deliveries")).ToBeVisibleAsync();
        await page.Locator("#deliveries-from").FillAsync(DateTime.UtcNow.AddHours(-1).ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture));
        await page.GetByTestId("apply-time").ClickAsync();
        await Expect(rows).ToHaveCountAsync(3);
        await ConsolePage.ChooseAsync(page, "type-filter", "All types");
        await Expect(rows).ToHaveCountAsync(4);
        await Browser.AssertAccessibleAsync(page);
        await Browser.ScreenshotAsync(page, "deliveries");

        // One delivery's attempts: the headers as sent (the custom one masked) and the response, escaped.
        var first = rows.First;
        var id = await first.GetAttributeAsync("data-delivery-id");
        await first.GetByTestId("delivery-link").ClickAsync();
        await Expect(page.GetByTestId("attempt")).ToHaveCountAsync(2);
        var attempt = page.GetByTestId("attempt").First;
        await Expect(attempt.GetByTestId("attempt-status-code")).ToHaveTextAsync("500");
        await Expect(attempt.GetByTestId("attempt-response")).ToHaveTextAsync("<b>receiver down</b>");
        await Expect(attempt.Locator("[data-testid=attempt-header][data-name=Authorization] td")).ToHaveTextAsync("***");
        await Expect(attempt.Locator("[data-testid=attempt-header][data-name=X-Signature] td")).ToContainTextAsync("v=1;t=");
        await Expect(attempt.Locator("[data-testid=attempt-header][data-name=X-Delivery-Id] td")).ToHaveTextAsync(id!);
        await Browser.AssertAccessibleAsync(page);
        await Browser.ScreenshotAsync(page, "delivery");

        // The receiver recovers: Retry on the page brings this one to succeeded without a reload.
        failing = false;
        var navigations = 0;
        page.FrameNavigated += (_, _) => navigations++;
        await page.GetByTestId("retry").ClickAsync();
        await Expect(page.GetByTestId("delivery").GetByTestId("delivery-status")).ToHaveTextAsync("succeeded");
        await Expect(page.GetByTestId("attempt")).ToHaveCountAsync(3);
        Assert.Equal(0, navigations);

        // Back on the list: one Retry, then Retry all failed (confirmed) for the rest.
        await page.GetByRole(AriaRole.Link, new() { Name = "All deliveries" }).ClickAsync();
        var failed = page.Locator("[data-testid=delivery-row][data-status=failed]");
        await Expect(failed).ToHaveCountAsync(3);
        await failed.First.GetByTestId("retry").ClickAsync();
        await Expect(failed).ToHaveCountAsync(2);
        await page.GetByTestId("retry-all").ClickAsync();
        await page.GetByTestId("retry-all-yes").ClickAsync();
        await Expect(page.GetByTestId("deliveries-status")).ToHaveTextAsync("Queued 2 failed deliveries again.");
        await Expect(page.Locator("[data-testid=delivery-row][data-status=succeeded]")).ToHaveCountAsync(4);
    }

    [Fact]
    public async Task A_read_only_key_sees_deliveries_without_retry_controls()
    {
        await using var app = await StartAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = (_, context) =>
        {
            context.Response.StatusCode = 500;
            return Task.CompletedTask;
        };
        var automation = await CreateAutomationAsync(app, receiver.Url, "Read only");
        await app.Admin.PostAsync($"/v1/automations/{automation.Id}/test", null, Ct);
        var key = await app.CreateKeyAsync(["automations:read"]);
        var page = await DevicesTests.SignInAsync(browser, app.BaseAddress, key);

        await page.GotoAsync(new Uri(app.BaseAddress, "/deliveries").ToString());
        await Expect(page.Locator("[data-testid=delivery-row][data-status=failed]")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("retry")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("retry-all")).ToHaveCountAsync(0);
        await page.GetByTestId("delivery-link").ClickAsync();
        await Expect(page.GetByTestId("attempt")).ToHaveCountAsync(2);
        await Expect(page.GetByTestId("retry")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("view-event")).ToHaveCountAsync(0);
    }
}
