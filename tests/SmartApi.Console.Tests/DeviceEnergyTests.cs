using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using SmartApi.Contracts;
using SmartApi.Server.Measurements;
using SmartApi.Server.Tests;
using static Microsoft.Playwright.Assertions;

namespace SmartApi.Console.Tests;

/// <summary>
/// The device page's energy chart: local hours, days and months of the organization's zone with cost, on
/// Zurich's 23-hour day of 2037 (a year ahead of the browser's clock, so the session cookie, dated by the
/// server's fake clock, is not already expired).
/// </summary>
public sealed class DeviceEnergyTests(Browser browser)
{
    // 29 March 2037, the spring-forward Sunday, 21:30 in Zurich (+02:00).
    private static readonly DateTimeOffset Evening = new(2037, 3, 29, 19, 30, 0, TimeSpan.Zero);
    // 27 March 2037, 23:00 in Zurich: the first sample, an hour before the first whole day.
    private static readonly DateTimeOffset FirstSample = new(2037, 3, 27, 22, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A sample every 5 minutes at 60 W, the counter rising 5 Wh each: 60 Wh in every covered hour.</summary>
    private static async Task IngestAsync(SmartApiApplication app, string deviceId, DateTimeOffset from, DateTimeOffset to)
    {
        var ingestor = app.Services.GetRequiredService<TelemetryIngestor>();
        var steps = (int)((from - FirstSample) / TimeSpan.FromMinutes(5));
        var pending = new List<Task<bool>>();
        for (var ts = from; ts < to; ts = ts.AddMinutes(5), steps++)
        {
            pending.Add(ingestor.IngestAsync(deviceId, new TelemetrySample(ts, 60, EnergyWh: 1000 + 5.0 * steps), Ct));
        }
        await Task.WhenAll(pending);
    }

    [Fact]
    public async Task The_chart_shows_local_hours_days_and_months_with_cost_and_a_23_hour_day_as_one_day()
    {
        var time = new FakeTimeProvider(Evening);
        await using var app = await SmartApiApplication.StartAsync(
            new Dictionary<string, string?> { ["SmartApi:Console:SessionLifetime"] = "2.00:00:00", ["SmartApi:Console:SessionIdleTimeout"] = "1.00:00:00" },
            configure: builder => builder.Services.AddSingleton<TimeProvider>(time));
        (await app.Admin.PatchAsJsonAsync("/v1/organization", new UpdateOwnOrganizationRequest("Europe/Zurich"),
            SmartApiJsonContext.Default.UpdateOwnOrganizationRequest, Ct)).EnsureSuccessStatusCode();
        (await app.Admin.PostAsJsonAsync("/v1/tariffs", new CreateTariffRequest("Household", "CHF", [new TariffPeriod("2037-01-01", null, 0.30)],
            new TariffAppliesTo(Organization: true)), SmartApiJsonContext.Default.CreateTariffRequest, Ct)).EnsureSuccessStatusCode();
        var device = await SmartApiApplication.CreateDeviceAsync(app.Admin, "DT31-ENERGY-1");
        await IngestAsync(app, device.Id, FirstSample, Evening);
        var page = await DevicesTests.SignInAsync(browser, app.BaseAddress, SmartApiApplication.AdminKey);

        // The page opens on the last 30 local days and today, in the organization's zone, priced by its tariff.
        await page.GotoAsync(new Uri(app.BaseAddress, $"/devices/{device.Id}").ToString());
        var energy = page.GetByTestId("device-energy");
        var rows = energy.GetByTestId("energy-row");
        await Expect(energy).ToHaveAttributeAsync("data-interval", "day");
        await Expect(page.GetByTestId("energy-zone")).ToContainTextAsync("local time Europe/Zurich");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "30 days", Pressed = true })).ToBeVisibleAsync();

        // Today by hour: the 23-hour day has no 02:00; its last hour is in progress.
        await page.GetByRole(AriaRole.Button, new() { Name = "Today by hour" }).ClickAsync();
        await Expect(energy).ToHaveAttributeAsync("data-interval", "hour");
        await Expect(energy).ToHaveAttributeAsync("data-buckets", "21");
        await page.GetByTestId("energy-table-toggle").ClickAsync();
        string[] hours = ["00:00", "01:00", .. Enumerable.Range(3, 19).Select(h => $"{h:00}:00")];
        await Expect(rows.Locator("th")).ToHaveTextAsync(hours);
        await Expect(rows.Nth(2).Locator("td")).ToHaveTextAsync(["0.060", "0.018", "complete"]);
        await Expect(rows.Last.Locator("td")).ToHaveTextAsync(["0.030", "0.009", "in progress"]);
        await Expect(rows.Last).ToHaveAttributeAsync("data-complete", "false");
        await Browser.AssertAccessibleAsync(page);

        // The next morning the 23-hour day is one complete day: 23 hours of 60 Wh at CHF 0.30 per kWh.
        time.Advance(new DateTimeOffset(2037, 3, 30, 7, 0, 0, TimeSpan.Zero) - Evening);
        await IngestAsync(app, device.Id, Evening, time.GetUtcNow());
        await page.ReloadAsync();
        await Expect(energy).ToHaveAttributeAsync("data-buckets", "31");
        await page.GetByTestId("energy-table-toggle").ClickAsync();
        await Expect(rows.First.Locator("th")).ToHaveTextAsync("Sat 28 Feb 2037");
        var sunday = rows.Filter(new() { Has = page.GetByRole(AriaRole.Rowheader, new() { Name = "Sun 29 Mar 2037" }) });
        await Expect(sunday.Locator("td")).ToHaveTextAsync(["1.380", "0.414", "complete"]);
        await Expect(rows.Nth(28).Locator("td")).ToHaveTextAsync(["1.440", "0.432", "complete"]);
        await Expect(rows.Last.Locator("td")).ToHaveTextAsync(["0.540", "0.162", "in progress"]);
        // The day of the first sample: an hour of it covered, so it is marked.
        await Expect(rows.Nth(27).Locator("td")).ToHaveTextAsync(["0.055", "0.0165", "incomplete (4% covered)"]);
        await Expect(rows.Nth(26).Locator("td")).ToHaveTextAsync(["0.000", "0.00", "incomplete (0% covered)"]);
        await Expect(page.GetByTestId("energy-total")).ToHaveTextAsync("Total 3.415 kWh · CHF 1.0245");
        await Expect(energy.Locator("svg")).ToHaveCountAsync(1);

        // The chart shows cost on request.
        await page.GetByRole(AriaRole.Button, new() { Name = "CHF" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "CHF", Pressed = true })).ToBeVisibleAsync();
        await Expect(energy).ToContainTextAsync("CHF per day");
        await page.GetByRole(AriaRole.Button, new() { Name = "kWh", Exact = true }).ClickAsync();
        await Expect(energy).ToContainTextAsync("kWh per day");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "kWh", Exact = true, Pressed = true })).ToBeVisibleAsync();
        await page.Mouse.MoveAsync(0, 0); // the page at rest, not the button under the pointer
        await Browser.AssertAccessibleAsync(page);
        await page.GetByTestId("energy-table-toggle").ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = "Energy and cost" }).EvaluateAsync("h => { h.scrollIntoView(); window.scrollBy(0, -90); }");
        await Browser.ScreenshotAsync(page, "device-energy");

        // The last 12 months and this one: March is one month, in progress.
        await page.GetByRole(AriaRole.Button, new() { Name = "12 months" }).ClickAsync();
        await Expect(energy).ToHaveAttributeAsync("data-buckets", "13");
        await Expect(rows.First.Locator("th")).ToHaveTextAsync("March 2036");
        await Expect(rows.Last.Locator("th")).ToHaveTextAsync("March 2037");
        await Expect(rows.Last.Locator("td")).ToHaveTextAsync(["3.415", "1.0245", "in progress"]);
        await Browser.AssertAccessibleAsync(page);
    }
}
