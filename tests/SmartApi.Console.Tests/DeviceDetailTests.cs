using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using SmartApi.Server.Tests;
using SmartApi.Simulator;
using static Microsoft.Playwright.Assertions;

namespace SmartApi.Console.Tests;

/// <summary>The device detail page with a real simulated device over MQTT: live measurement and chart, tags, switch, delete.</summary>
public sealed partial class DeviceDetailTests(Browser browser)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"^\d+\.\d W$")]
    private static partial Regex Watts();

    [GeneratedRegex("^[1-9][0-9]*$")]
    private static partial Regex SomePoints();

    [Fact]
    public async Task The_page_follows_a_live_device_edits_its_tags_switches_it_and_deletes_it_after_confirmation()
    {
        var mqttPort = FreePort();
        await using var app = await SmartApiApplication.StartAsync(new Dictionary<string, string?> { ["SmartApi:Mqtt:Port"] = mqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var device = await SmartApiApplication.CreateDeviceAsync(app.Admin, "DT31-DETAIL-1", new() { ["room"] = "kitchen" });
        var page = await DevicesTests.SignInAsync(browser, app.BaseAddress, SmartApiApplication.AdminKey);

        // The list's link leads to the page; the device has not reported anything yet.
        await page.GetByRole(AriaRole.Link, new() { Name = "Devices", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = device.Name, Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = device.Name, Level = 1, Exact = true })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("no-measurement")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("power-chart")).ToHaveAttributeAsync("data-points", "0");
        await Expect(page.GetByTestId("activity")).ToHaveAttributeAsync("data-live", "true");
        var navigations = 0;
        page.FrameNavigated += (_, _) => navigations++;

        // The device connects and reports: the measurement and the chart appear without a reload.
        await using var fleet = new DeviceSimulator([new SimulatedDeviceCredentials(device.Serial, device.Credentials!.MqttPassword)], new SimulatorOptions
        {
            Broker = new Uri($"mqtt://127.0.0.1:{mqttPort}"),
            TelemetryInterval = TimeSpan.FromMilliseconds(200),
            ButtonPressesPerHour = 0,
            OverloadsPerDay = 0,
            Seed = 11,
        });
        await fleet.ConnectAsync(cancellationToken: Ct);
        using var running = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var run = fleet.RunAsync(running.Token);

        await Expect(page.GetByTestId("online")).ToHaveTextAsync("online");
        await Expect(page.GetByTestId("current-power")).ToHaveTextAsync(Watts());
        await Expect(page.GetByTestId("current-voltage")).ToHaveTextAsync(new Regex(@"^\d+\.\d V$"));
        await Expect(page.GetByTestId("power-chart")).ToHaveAttributeAsync("data-points", SomePoints());
        await Expect(page.GetByTestId("power-chart").Locator("svg")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("event-type").Filter(new() { HasText = "device.online" })).ToHaveCountAsync(1);

        // Switched from the page: the command and its acknowledgement show.
        await page.GetByTestId("switch-off").ClickAsync();
        await Expect(page.GetByTestId("last-command")).ToContainTextAsync("acknowledged");
        await Expect(page.GetByTestId("command-row").First.GetByTestId("command-status")).ToHaveTextAsync("acknowledged");
        await Expect(page.GetByTestId("switch")).ToHaveTextAsync("off");
        Assert.False(fleet.Devices.Single().IsOn);

        // Tags: a valid edit is saved (the removed tag is gone), an invalid one shows the API's message at the field.
        await page.GetByLabel("Tags (key:value, comma separated)").FillAsync("room:garage, floor:1");
        await page.GetByTestId("save-device").ClickAsync();
        await Expect(page.GetByTestId("saved")).ToBeVisibleAsync();
        var saved = await app.Admin.GetFromJsonAsync($"/v1/devices/{device.Id}", SmartApi.Contracts.SmartApiJsonContext.Default.DeviceResponse, Ct);
        Assert.Equal(new Dictionary<string, string> { ["floor"] = "1", ["room"] = "garage" }, saved!.Tags.OrderBy(t => t.Key).ToDictionary());

        await page.GetByLabel("Tags (key:value, comma separated)").FillAsync(new string('k', 41) + ":x");
        await page.GetByTestId("save-device").ClickAsync();
        await Expect(page.GetByText("Tag keys must be 1-40 characters").First).ToBeVisibleAsync();
        await Expect(page.GetByTestId("saved")).ToHaveCountAsync(0);
        await page.GetByLabel("Tags (key:value, comma separated)").FillAsync("room:garage, floor:1");
        await page.GetByTestId("save-device").ClickAsync();
        await Expect(page.GetByTestId("saved")).ToBeVisibleAsync();
        Assert.Equal(0, navigations);

        // Read again, the charts come from the API's history: the last hour by minute, and the energy statistics by
        // local day in the organization's zone (UTC unless set) without cost, as no tariff applies.
        await page.ReloadAsync();
        await Expect(page.GetByTestId("power-chart")).ToHaveAttributeAsync("data-points", SomePoints());
        await Expect(page.GetByTestId("device-energy")).ToHaveAttributeAsync("data-buckets", "31");
        await Expect(page.GetByTestId("energy-zone")).ToContainTextAsync("local time UTC");
        await Expect(page.GetByTestId("energy-total")).ToContainTextAsync("no tariff applies");
        await Expect(page.GetByTestId("energy-row").Last).ToHaveAttributeAsync("data-complete", "false");
        await Expect(page.GetByTestId("activity")).ToHaveAttributeAsync("data-live", "true");
        await Browser.AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Heading, new() { Level = 1 }).ScrollIntoViewIfNeededAsync();
        await Browser.ScreenshotAsync(page, "device-detail");

        // Delete asks first; cancelling keeps the device, confirming removes it and goes back to the list.
        await page.GetByTestId("delete-device").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Dialog)).ToContainTextAsync($"Delete {device.Name}?");
        await Browser.AssertAccessibleAsync(page);
        await page.GetByTestId("cancel-delete").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Dialog)).ToHaveCountAsync(0);
        Assert.Equal(HttpStatusCode.OK, (await app.Admin.GetAsync($"/v1/devices/{device.Id}", Ct)).StatusCode);

        await page.GetByTestId("delete-device").ClickAsync();
        await page.GetByTestId("confirm-delete").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Devices", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("no-devices")).ToBeVisibleAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await app.Admin.GetAsync($"/v1/devices/{device.Id}", Ct)).StatusCode);

        await running.CancelAsync();
        await run;
    }

    [Fact]
    public async Task A_read_only_key_sees_the_device_but_no_edit_switch_or_delete_control()
    {
        await using var app = await SmartApiApplication.StartAsync();
        var device = await SmartApiApplication.CreateDeviceAsync(app.Admin, "DT31-DETAIL-RO", new() { ["room"] = "hall" });
        var key = await app.CreateKeyAsync(["devices:read"]);
        var page = await DevicesTests.SignInAsync(browser, app.BaseAddress, key);

        await page.GotoAsync(new Uri(app.BaseAddress, $"/devices/{device.Id}").ToString());
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = device.Name, Level = 1, Exact = true })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("tags")).ToHaveTextAsync("room:hall");
        await Expect(page.GetByTestId("events-problem")).ToContainTextAsync("events:read");
        foreach (var control in new[] { "switch-on", "switch-off", "switch-toggle", "delete-device", "save-device" })
        {
            await Expect(page.GetByTestId(control)).ToHaveCountAsync(0);
        }
        await Expect(page.GetByLabel("Tags (key:value, comma separated)")).ToHaveCountAsync(0);
        await Browser.AssertAccessibleAsync(page);

        // An unknown id says so instead of showing an empty page.
        await page.GotoAsync(new Uri(app.BaseAddress, "/devices/dev_doesnotexist").ToString());
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Device not found" })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("device-problem")).ToBeVisibleAsync();
    }
}
