using System.Net.Http.Json;
using Microsoft.Playwright;
using SmartApi.Contracts;
using SmartApi.Server.Tests;
using static Microsoft.Playwright.Assertions;

namespace SmartApi.Console.Tests;

/// <summary>Driving the console's MudBlazor controls and seeding through the API, shared by the page tests.</summary>
internal static class ConsolePage
{
    // MudSelect opens a list box of options on click; pick by its text.
    public static async Task ChooseAsync(IPage page, string testId, string option) =>
        await ChooseAsync(page, page.GetByTestId(testId), option);

    public static async Task ChooseAsync(IPage page, ILocator select, string option)
    {
        await select.ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = option, Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Option)).ToHaveCountAsync(0);
    }

    public static async Task<DeviceResponse> CreateDeviceAsync(SmartApiApplication app, string serial, string name)
    {
        var ct = TestContext.Current.CancellationToken;
        var response = await app.Admin.PostAsJsonAsync("/v1/devices", new CreateDeviceRequest(serial, name, "DT31", null), SmartApiJsonContext.Default.CreateDeviceRequest, ct);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync(SmartApiJsonContext.Default.DeviceResponse, ct))!;
    }
}
