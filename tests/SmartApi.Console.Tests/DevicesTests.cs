using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using SmartApi.Server.Tests;
using SmartApi.Simulator;
using static Microsoft.Playwright.Assertions;

namespace SmartApi.Console.Tests;

/// <summary>The devices page with a real simulated device over MQTT: created, online, live power, switched from the console.</summary>
public sealed class DevicesTests(Browser browser)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal static async Task<IPage> SignInAsync(Browser browser, Uri server, string key)
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(server, "/signin").ToString());
        await page.GetByLabel("API key").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();
        return page;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task A_device_created_in_the_console_comes_online_reports_power_and_obeys_a_switch_live()
    {
        var mqttPort = FreePort();
        await using var app = await SmartApiApplication.StartAsync(new Dictionary<string, string?> { ["SmartApi:Mqtt:Port"] = mqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var page = await SignInAsync(browser, app.BaseAddress, SmartApiApplication.AdminKey);

        await page.GetByRole(AriaRole.Link, new() { Name = "Devices", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Devices" })).ToBeVisibleAsync();
        await page.GetByTestId("new-device").ClickAsync();
        await page.GetByLabel("Serial", new() { Exact = true }).FillAsync("DT31-CONSOLE-1");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Kitchen kettle");
        await page.GetByLabel("Tags (key:value, comma separated)").FillAsync("room:kitchen");
        await page.GetByTestId("create-device").ClickAsync();

        // The credentials, once, with the broker a device needs.
        var password = (await page.GetByTestId("mqtt-password").TextContentAsync())!.Trim();
        Assert.False(string.IsNullOrEmpty(password));
        await Expect(page.GetByTestId("broker")).ToContainTextAsync($":{mqttPort}");
        await Browser.AssertAccessibleAsync(page);
        await Browser.ScreenshotAsync(page, "device-created");
        await page.GetByTestId("credentials-done").ClickAsync();
        await Expect(page.GetByTestId("mqtt-password")).ToHaveCountAsync(0);

        var row = page.GetByTestId("device-row").Filter(new() { HasText = "DT31-CONSOLE-1" });
        await Expect(row.GetByTestId("online")).ToHaveTextAsync("offline");
        await Expect(row.GetByTestId("power")).ToHaveTextAsync("—");

        // A real device connects: the row turns online and shows power without a reload.
        await using var fleet = new DeviceSimulator([new SimulatedDeviceCredentials("DT31-CONSOLE-1", password)], new SimulatorOptions
        {
            Broker = new Uri($"mqtt://127.0.0.1:{mqttPort}"),
            TelemetryInterval = TimeSpan.FromMilliseconds(200),
            ButtonPressesPerHour = 0,
            OverloadsPerDay = 0,
            Seed = 7,
        });
        await fleet.ConnectAsync(cancellationToken: Ct);
        using var running = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var run = fleet.RunAsync(running.Token);
        var navigations = 0;
        page.FrameNavigated += (_, _) => navigations++;

        await Expect(row.GetByTestId("online")).ToHaveTextAsync("online");
        await Expect(row.GetByTestId("power")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d+\.\d W$"));
        await Expect(row.GetByTestId("switch")).ToHaveTextAsync("on");

        // Switching from the console reaches the device, and its acknowledgement shows.
        await row.GetByTestId("switch-off").ClickAsync();
        await Expect(page.GetByTestId("last-command")).ToContainTextAsync("acknowledged");
        await Expect(row.GetByTestId("switch")).ToHaveTextAsync("off");
        Assert.False(fleet.Devices.Single().IsOn);
        Assert.Equal(0, navigations);

        // Search and tag filter.
        await page.GetByLabel("Search name or serial").FillAsync("kettle");
        await Expect(page.GetByTestId("device-row")).ToHaveCountAsync(1);
        await page.GetByLabel("Search name or serial").FillAsync("nothing-like-this");
        await Expect(page.GetByTestId("device-row")).ToHaveCountAsync(0);
        await page.GetByLabel("Search name or serial").FillAsync("");
        await page.GetByLabel("Tag (key or key:value)").FillAsync("room:garage");
        await page.GetByTestId("apply-tag").ClickAsync();
        await Expect(page.GetByTestId("no-devices")).ToBeVisibleAsync();
        await page.GetByLabel("Tag (key or key:value)").FillAsync("room:kitchen");
        await page.GetByTestId("apply-tag").ClickAsync();
        await Expect(page.GetByTestId("device-row")).ToHaveCountAsync(1);
        await Browser.AssertAccessibleAsync(page);
        await Browser.ScreenshotAsync(page, "devices");

        await running.CancelAsync();
        await run;
    }

    [Fact]
    public async Task A_read_only_key_sees_no_write_control()
    {
        await using var app = await SmartApiApplication.StartAsync();
        await SmartApiApplication.CreateDeviceAsync(app.Admin, "DT31-READONLY-1");
        var key = await app.CreateKeyAsync(["devices:read"]);
        var page = await SignInAsync(browser, app.BaseAddress, key);

        await page.GotoAsync(new Uri(app.BaseAddress, "/devices").ToString());
        await Expect(page.GetByTestId("device-row")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("new-device")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("switch-on")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("switch-toggle")).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Columnheader, new() { Name = "Actions" })).ToHaveCountAsync(0);
        // Nor the automation and delivery tiles its key cannot read.
        await page.GotoAsync(new Uri(app.BaseAddress, "/").ToString());
        await Expect(page.GetByTestId("tile-online")).ToHaveTextAsync("0 of 1");
        await Expect(page.GetByTestId("tile-succeeded")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_session_idle_past_its_timeout_goes_back_to_sign_in_and_the_api_refuses_its_token()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await SmartApiApplication.StartAsync(configure: builder => builder.Services.AddSingleton<TimeProvider>(time));
        var page = await SignInAsync(browser, app.BaseAddress, SmartApiApplication.AdminKey);
        var token = (await page.Context.CookiesAsync()).Single(c => c.Name == "smartapi_console").Value;
        var client = app.CreateClient(token);

        time.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/devices", Ct)).StatusCode);
        // Used 20 minutes in: the idle timeout (30 min) counts from then.
        time.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/devices", Ct)).StatusCode);

        time.Advance(TimeSpan.FromMinutes(31));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/v1/devices", Ct)).StatusCode);
        await page.GotoAsync(new Uri(app.BaseAddress, "/devices").ToString());
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/signin\\?expired=1$"));
        await Expect(page.GetByTestId("signin-message")).ToContainTextAsync("session has ended");
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "smartapi_console");
    }
}
