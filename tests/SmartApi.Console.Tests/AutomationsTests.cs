using System.Net.Http.Json;
using Microsoft.Playwright;
using SmartApi.Contracts;
using SmartApi.Server.Tests;
using SmartApi.Server.Tests.Webhooks;
using SmartApi.Webhooks;
using static Microsoft.Playwright.Assertions;

namespace SmartApi.Console.Tests;

/// <summary>The automations pages against a real server and a real webhook receiver: create, validate at the field, edit, enable, test, rotate, read-only.</summary>
public sealed class AutomationsTests(Browser browser)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // The receiver listens on loopback, which webhooks may not reach by default.
    private static readonly Dictionary<string, string?> Settings = new() { ["SmartApi:Webhooks:AllowPrivateNetworks"] = "true" };

    [Fact]
    public async Task An_automation_is_created_with_the_apis_messages_at_the_fields_and_its_secret_shown_once()
    {
        await using var app = await SmartApiApplication.StartAsync(Settings);
        await using var receiver = await WebhookReceiver.StartAsync();
        var page = await DevicesTests.SignInAsync(browser, app.BaseAddress, SmartApiApplication.AdminKey);

        await page.GetByRole(AriaRole.Link, new() { Name = "Automations", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Automations", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("no-automations")).ToBeVisibleAsync();
        await page.GetByTestId("new-automation").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "New automation", Level = 1 })).ToBeVisibleAsync();

        // Nothing picked and a URL that is not one: each message of the API shows at its field.
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Forward switches");
        await page.GetByLabel("URL").FillAsync("not a url");
        await page.GetByTestId("save-automation").ClickAsync();
        await Expect(InputControl(page, "#action-0-url")).ToContainTextAsync("url must be an absolute http or https URL");
        await Expect(page.GetByTestId("trigger-editor").GetByTestId("field-problem")).ToContainTextAsync("trigger.events is required");
        await Expect(page.GetByTestId("form-problem")).ToContainTextAsync("see the messages at the fields");
        await Browser.AssertAccessibleAsync(page);

        await page.GetByRole(AriaRole.Checkbox, new() { Name = "device.switched", Exact = true }).CheckAsync();
        await page.GetByRole(AriaRole.Checkbox, new() { Name = "device.online", Exact = true }).CheckAsync();
        await page.GetByLabel("URL").FillAsync(receiver.Url.ToString());
        await page.GetByTestId("save-automation").ClickAsync();

        // The secret, once, with a copy button; Done leads to the automation's page and forgets it.
        var secret = (await page.GetByTestId("secret").TextContentAsync())!.Trim();
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        await Expect(page.GetByTestId("secret-once").GetByRole(AriaRole.Button).Filter(new() { HasText = "Copy" })).ToHaveCountAsync(1);
        await Browser.AssertAccessibleAsync(page);
        await page.GetByTestId("secret-done").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Forward switches", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("secret")).ToHaveCountAsync(0);
        var created = Assert.Single(await ListAsync(app));
        Assert.Equal(["device.online", "device.switched"], created.Trigger.Events!.Order());
        Assert.Equal(receiver.Url.ToString(), created.Actions.Single().Url);
        Assert.EndsWith($"/automations/{created.Id}", page.Url, StringComparison.Ordinal);

        // A schedule: a bad cron shows the API's message at the cron field; a good one is saved.
        await page.GotoAsync(new Uri(app.BaseAddress, "/automations/new").ToString());
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Evening report");
        await ConsolePage.ChooseAsync(page, "trigger-kind", "A schedule (cron)");
        await page.GetByLabel("Cron").FillAsync("61 18 * * 1-5");
        await page.GetByLabel("Time zone").FillAsync("Europe/Zurich");
        await page.GetByLabel("URL").FillAsync(receiver.Url.ToString());
        await page.GetByTestId("save-automation").ClickAsync();
        await Expect(InputControl(page, "#trigger-cron")).ToContainTextAsync("Invalid cron expression");
        await page.GetByLabel("Cron").FillAsync("0 18 * * 1-5");
        await page.GetByTestId("save-automation").ClickAsync();
        await Expect(page.GetByTestId("secret")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^whsec_"));
        await page.GetByTestId("secret-done").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Evening report", Level = 1 })).ToBeVisibleAsync();

        // A power trigger made through the API joins the list; each trigger reads as one line.
        var device = await ConsolePage.CreateDeviceAsync(app, "DT31-AUTO-1", "Kettle");
        await CreateAsync(app, new AutomationRequest("Kettle left on", true, new AutomationTrigger(Power: new PowerTrigger([device.Id], ">", 1000, 60)), [],
            [new AutomationActionRequest("switch", DeviceId: device.Id, State: SwitchAction.Off)]));
        await page.GetByRole(AriaRole.Link, new() { Name = "Automations", Exact = true }).ClickAsync();
        var rows = page.GetByTestId("automation-row");
        await Expect(rows).ToHaveCountAsync(3);
        await Expect(Row(page, "Forward switches").GetByTestId("trigger-summary")).ToHaveTextAsync("device.switched, device.online");
        await Expect(Row(page, "Forward switches").GetByTestId("webhook-status")).ToHaveTextAsync("active");
        await Expect(Row(page, "Evening report").GetByTestId("trigger-summary")).ToHaveTextAsync("cron 0 18 * * 1-5 Europe/Zurich");
        await Expect(Row(page, "Kettle left on").GetByTestId("trigger-summary")).ToHaveTextAsync($"power > 1000 W for 60 s (on {device.Name})");
        await Expect(Row(page, "Kettle left on").GetByTestId("action-summary")).ToHaveTextAsync($"switch {device.Name} off");
        await Browser.AssertAccessibleAsync(page);
        await Browser.ScreenshotAsync(page, "automations");
    }

    [Fact]
    public async Task An_automation_is_edited_disabled_enabled_tested_with_a_signed_delivery_and_its_secret_rotated()
    {
        await using var app = await SmartApiApplication.StartAsync(Settings);
        await using var receiver = await WebhookReceiver.StartAsync();
        var device = await ConsolePage.CreateDeviceAsync(app, "DT31-AUTO-2", "Hall lamp");
        var automation = await CreateAsync(app, new AutomationRequest("Lamp watcher", true, new AutomationTrigger(["device.switched"]), [],
            [new AutomationActionRequest("webhook", receiver.Url.ToString(), new() { ["Authorization"] = "Bearer receiver-token" })]));
        var secret = automation.Actions[0].Secret!;
        var page = await DevicesTests.SignInAsync(browser, app.BaseAddress, SmartApiApplication.AdminKey);
        await page.GotoAsync(new Uri(app.BaseAddress, $"/automations/{automation.Id}").ToString());
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Lamp watcher", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByLabel("Header value")).ToHaveValueAsync("***");

        // A condition and a switch action are added; the stored header value is kept while it reads ***.
        await page.GetByTestId("add-condition").ClickAsync();
        await ConsolePage.ChooseAsync(page, page.GetByTestId("condition-device"), device.Name);
        await ConsolePage.ChooseAsync(page, "condition-state", "off");
        await page.GetByTestId("add-switch").ClickAsync();
        await ConsolePage.ChooseAsync(page, page.GetByTestId("switch-device"), device.Name);
        await page.GetByLabel("Switch back after (s)").FillAsync("60");
        await page.GetByTestId("save-automation").ClickAsync();
        await Expect(page.GetByTestId("saved")).ToBeVisibleAsync();
        var saved = await GetAsync(app, automation.Id);
        Assert.Equal(new AutomationCondition("switch", device.Id, "off"), Assert.Single(saved.Conditions));
        Assert.Equal(("switch", device.Id, SwitchAction.On, 60), (saved.Actions[1].Type, saved.Actions[1].DeviceId, saved.Actions[1].State, saved.Actions[1].RevertAfterSeconds));
        Assert.Equal(new Dictionary<string, string> { ["Authorization"] = "***" }, saved.Actions[0].Headers);

        // Disabled and enabled again from the switch.
        await page.GetByTestId("enabled-switch").ClickAsync();
        await Expect(page.GetByTestId("enabled-switch")).Not.ToBeCheckedAsync();
        await Expect(page.GetByText("Disabled", new() { Exact = true })).ToBeVisibleAsync();
        Assert.False((await GetAsync(app, automation.Id)).Enabled);
        await page.GetByTestId("enabled-switch").ClickAsync();
        await Expect(page.GetByTestId("enabled-switch")).ToBeCheckedAsync();
        await Expect(page.GetByText("Enabled", new() { Exact = true })).ToBeVisibleAsync();
        Assert.True((await GetAsync(app, automation.Id)).Enabled);

        // A test event reaches the receiver signed with the secret and with the kept header; the page links its delivery.
        await page.GetByTestId("send-test").ClickAsync();
        var request = await receiver.NextAsync();
        Assert.Equal("automation.test", request.Header("X-Event-Type"));
        Assert.Equal("Bearer receiver-token", request.Header("Authorization"));
        Assert.True(new WebhookVerifier(new WebhookSecret(secret)).Verify(request.Header("X-Signature"), request.Body).IsValid);
        await Expect(page.GetByTestId("test-event-id")).ToHaveTextAsync(request.Header("X-Event-Id"));
        var delivery = page.GetByTestId("test-delivery");
        await Expect(delivery).ToHaveTextAsync(request.Header("X-Delivery-Id"));
        await Expect(delivery).ToHaveAttributeAsync("href", $"deliveries/{request.Header("X-Delivery-Id")}");
        await Browser.AssertAccessibleAsync(page);
        // The whole form in one picture: a tall window rather than a full-page capture, which would paint the fixed app bar mid-page.
        await page.SetViewportSizeAsync(1280, 2000);
        await page.GetByRole(AriaRole.Heading, new() { Level = 1 }).ScrollIntoViewIfNeededAsync();
        await Browser.ScreenshotAsync(page, "automation-edit");
        await page.SetViewportSizeAsync(1280, 800);

        // Rotating asks first, then shows the new secret once with when the old one stops working; the next test is signed with both.
        await page.GetByTestId("rotate-secret").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Dialog)).ToContainTextAsync("Rotate the signing secret?");
        await page.GetByTestId("confirm-rotate").ClickAsync();
        var rotated = (await page.GetByTestId("webhook-tools").GetByTestId("secret").TextContentAsync())!.Trim();
        Assert.StartsWith("whsec_", rotated, StringComparison.Ordinal);
        Assert.NotEqual(secret, rotated);
        await Expect(page.GetByTestId("secret-note")).ToContainTextAsync("old secrets stop working");
        await page.GetByTestId("secret-done").ClickAsync();
        await Expect(page.GetByTestId("secret")).ToHaveCountAsync(0);
        await page.GetByTestId("send-test").ClickAsync();
        var second = await receiver.NextAsync();
        Assert.True(new WebhookVerifier(new WebhookSecret(rotated)).Verify(second.Header("X-Signature"), second.Body).IsValid);
        Assert.True(new WebhookVerifier(new WebhookSecret(secret)).Verify(second.Header("X-Signature"), second.Body).IsValid);

        // Recover since the default (24 hours ago): nothing failed, nothing queued.
        await page.GetByTestId("recover").ClickAsync();
        await Expect(page.GetByTestId("recovered")).ToHaveTextAsync("0 deliveries were queued again.");

        // Delete asks first, then goes back to the list.
        await page.GetByTestId("delete-automation").ClickAsync();
        await page.GetByTestId("confirm-delete").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Automations", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("no-automations")).ToBeVisibleAsync();
        Assert.Empty(await ListAsync(app));
    }

    [Fact]
    public async Task A_read_only_key_sees_every_automation_and_its_definition_with_no_write_control()
    {
        await using var app = await SmartApiApplication.StartAsync(Settings);
        var device = await ConsolePage.CreateDeviceAsync(app, "DT31-AUTO-RO", "Porch light");
        await CreateAsync(app, new AutomationRequest("Night guard", true, new AutomationTrigger(["*"]),
            [new AutomationCondition("time", From: "22:00", To: "06:00", TimeZone: "Europe/Zurich")],
            [new AutomationActionRequest("webhook", "http://127.0.0.1:9/in"), new AutomationActionRequest("switch", DeviceId: device.Id, State: SwitchAction.Toggle)]));
        var key = await app.CreateKeyAsync(["automations:read", "devices:read"]);
        var page = await DevicesTests.SignInAsync(browser, app.BaseAddress, key);

        await page.GetByRole(AriaRole.Link, new() { Name = "Automations", Exact = true }).ClickAsync();
        await Expect(Row(page, "Night guard").GetByTestId("trigger-summary")).ToHaveTextAsync("all events");
        await Expect(Row(page, "Night guard").GetByTestId("enabled-state")).ToHaveTextAsync("enabled");
        await Expect(page.GetByTestId("new-automation")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("enabled-switch")).ToHaveCountAsync(0);

        await page.GetByRole(AriaRole.Link, new() { Name = "Night guard", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Night guard", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByLabel("URL")).ToHaveValueAsync("http://127.0.0.1:9/in");
        await Expect(page.GetByLabel("From (HH:mm)")).ToHaveValueAsync("22:00");
        await Expect(page.GetByTestId("switch-device")).ToHaveValueAsync(device.Name);
        foreach (var control in new[] { "save-automation", "add-condition", "remove-condition", "add-webhook", "add-switch", "remove-action", "add-header",
            "send-test", "rotate-secret", "recover", "delete-automation", "enabled-switch" })
        {
            await Expect(page.GetByTestId(control)).ToHaveCountAsync(0);
        }
        await Expect(page.GetByLabel("URL")).ToHaveAttributeAsync("readonly", "");
        await Expect(page.GetByTestId("automation-runs")).ToBeVisibleAsync();
        await Browser.AssertAccessibleAsync(page);

        // The new page says why it offers no form.
        await page.GotoAsync(new Uri(app.BaseAddress, "/automations/new").ToString());
        await Expect(page.GetByTestId("automation-problem")).ToContainTextAsync("automations:write");
        await Expect(page.GetByTestId("save-automation")).ToHaveCountAsync(0);
    }

    // A MudBlazor input's control: the input with its label, helper and error text.
    private static ILocator InputControl(IPage page, string input) =>
        page.Locator(".mud-input-control", new() { Has = page.Locator(input) });

    private static ILocator Row(IPage page, string name) =>
        page.GetByTestId("automation-row").Filter(new() { Has = page.GetByRole(AriaRole.Link, new() { Name = name, Exact = true }) });

    private static async Task<AutomationResponse> CreateAsync(SmartApiApplication app, AutomationRequest request)
    {
        var response = await app.Admin.PostAsJsonAsync("/v1/automations", request, SmartApiJsonContext.Default.AutomationRequest, Ct);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync(SmartApiJsonContext.Default.AutomationResponse, Ct))!;
    }

    private static async Task<AutomationResponse> GetAsync(SmartApiApplication app, string id) =>
        (await app.Admin.GetFromJsonAsync($"/v1/automations/{id}", SmartApiJsonContext.Default.AutomationResponse, Ct))!;

    private static async Task<IReadOnlyList<AutomationResponse>> ListAsync(SmartApiApplication app) =>
        (await app.Admin.GetFromJsonAsync("/v1/automations", SmartApiJsonContext.Default.PageAutomationResponse, Ct))!.Data;
}
