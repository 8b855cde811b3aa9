using System.Net.Http.Json;
using Microsoft.Playwright;
using SmartApi.Server.Tests;
using static Microsoft.Playwright.Assertions;

namespace SmartApi.Console.Tests;

/// <summary>The events page: a live tail that API actions feed without a reload, its filters, and one event's JSON.</summary>
public sealed class EventsTests(Browser browser)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Events_appear_live_filter_by_type_and_device_and_show_their_json()
    {
        await using var app = await SmartApiApplication.StartAsync();
        var page = await DevicesTests.SignInAsync(browser, app.BaseAddress, SmartApiApplication.AdminKey);
        await page.GetByRole(AriaRole.Link, new() { Name = "Events", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Events" })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("tail-status")).ToContainTextAsync("Live");
        var navigations = 0;
        page.FrameNavigated += (_, _) => navigations++;

        // API actions make events; they arrive over the stream, newest first.
        var kettle = await ConsolePage.CreateDeviceAsync(app, "DT31-EVENTS-1", "Kettle");
        var lamp = await ConsolePage.CreateDeviceAsync(app, "DT31-EVENTS-2", "Lamp");
        (await app.Admin.PatchAsJsonAsync($"/v1/devices/{kettle.Id}", new { name = "Renamed kettle" }, Ct)).EnsureSuccessStatusCode();
        var rows = page.GetByTestId("event-row");
        await Expect(rows).ToHaveCountAsync(3);
        await Expect(rows.First.GetByTestId("event-type")).ToHaveTextAsync("device.updated");
        await Expect(rows.Nth(2).GetByTestId("event-type")).ToHaveTextAsync("device.created");
        Assert.Equal(0, navigations);

        // The type filter hides the other types.
        await ConsolePage.ChooseAsync(page, "type-filter", "device.created");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(page.Locator("[data-testid=event-row][data-event-type='device.updated']")).ToHaveCountAsync(0);

        // The device filter hides the other device's events.
        await ConsolePage.ChooseAsync(page, "device-filter", lamp.Name);
        await Expect(rows).ToHaveCountAsync(1);
        await ConsolePage.ChooseAsync(page, "type-filter", "All types");
        await ConsolePage.ChooseAsync(page, "device-filter", "All devices");
        await Expect(rows).ToHaveCountAsync(3);

        // Paused, the view holds still and counts what waits; resumed, it shows it.
        await page.GetByTestId("pause").ClickAsync();
        (await app.Admin.DeleteAsync($"/v1/devices/{lamp.Id}", Ct)).EnsureSuccessStatusCode();
        await Expect(page.GetByTestId("resume")).ToHaveTextAsync("Resume (1 new)");
        await Expect(rows).ToHaveCountAsync(3);
        await page.GetByTestId("resume").ClickAsync();
        await Expect(rows).ToHaveCountAsync(4);
        await Expect(rows.First.GetByTestId("event-type")).ToHaveTextAsync("device.deleted");

        // One event's JSON: the API's own copy, with its id and data.
        var updated = page.Locator("[data-testid=event-row][data-event-type='device.updated']");
        var id = await updated.GetAttributeAsync("data-event-id");
        await updated.GetByTestId("view-event").ClickAsync();
        var json = page.GetByTestId("event-json");
        await Expect(json).ToContainTextAsync($"\"id\": \"{id}\"");
        await Expect(json).ToContainTextAsync($"\"deviceId\": \"{kettle.Id}\"");
        await Expect(json).ToContainTextAsync("Renamed kettle");
        await Expect(page.Locator("#event-detail-title")).ToBeFocusedAsync();
        await Browser.AssertAccessibleAsync(page);
        await Browser.ScreenshotAsync(page, "events");
        await page.GetByTestId("close-event").ClickAsync();
        await Expect(json).ToHaveCountAsync(0);
        Assert.Equal(0, navigations);
    }

    [Fact]
    public async Task Events_made_before_the_page_opens_are_shown_newest_first_then_live_ones_without_repeats()
    {
        await using var app = await SmartApiApplication.StartAsync();
        var kettle = await ConsolePage.CreateDeviceAsync(app, "DT31-SEED-1", "Kettle");
        await ConsolePage.CreateDeviceAsync(app, "DT31-SEED-2", "Lamp");
        (await app.Admin.PatchAsJsonAsync($"/v1/devices/{kettle.Id}", new { name = "Renamed kettle" }, Ct)).EnsureSuccessStatusCode();
        var page = await DevicesTests.SignInAsync(browser, app.BaseAddress, SmartApiApplication.AdminKey);

        await page.GotoAsync(new Uri(app.BaseAddress, "/events").ToString());
        var rows = page.GetByTestId("event-row");
        await Expect(rows).ToHaveCountAsync(3);
        await Expect(page.GetByTestId("tail-status")).ToContainTextAsync("Live");
        await Expect(rows.Nth(0).GetByTestId("event-type")).ToHaveTextAsync("device.updated");
        await Expect(rows.Nth(1).GetByTestId("event-type")).ToHaveTextAsync("device.created");
        await Expect(rows.Nth(2).GetByTestId("event-type")).ToHaveTextAsync("device.created");
        await Expect(rows.Nth(2)).ToContainTextAsync("Renamed kettle");

        // The stream carries on after the newest seeded event: the next one comes once, on top.
        (await app.Admin.DeleteAsync($"/v1/devices/{kettle.Id}", Ct)).EnsureSuccessStatusCode();
        await Expect(rows).ToHaveCountAsync(4);
        await Expect(rows.First.GetByTestId("event-type")).ToHaveTextAsync("device.deleted");
        await Browser.AssertAccessibleAsync(page);
    }

    [Fact]
    public async Task A_key_without_events_read_sees_why_the_tail_is_empty()
    {
        await using var app = await SmartApiApplication.StartAsync();
        var key = await app.CreateKeyAsync(["devices:read"]);
        var page = await DevicesTests.SignInAsync(browser, app.BaseAddress, key);
        await page.GotoAsync(new Uri(app.BaseAddress, "/events").ToString());
        await Expect(page.GetByTestId("tail-status")).Not.ToContainTextAsync("Live");
        await Expect(page.GetByTestId("event-row")).ToHaveCountAsync(0);
    }
}
