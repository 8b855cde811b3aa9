using System.Net;
using Microsoft.Extensions.DependencyInjection;
using SmartApi.Server.Webhooks.Delivery;
using static SmartApi.Server.Tests.Webhooks.WebhookTestKit;

namespace SmartApi.Server.Tests.Webhooks;

/// <summary>Webhooks must not reach internal addresses (the server's default: private networks not allowed).</summary>
public sealed class SsrfTests(AppFixture fixture) : ServerTest(fixture)
{
    [Theory]
    [InlineData("http://127.0.0.1/hook")]
    [InlineData("http://10.0.0.1/hook")]
    [InlineData("http://172.16.5.4/hook")]
    [InlineData("http://192.168.1.10/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("http://100.64.0.1/hook")]
    [InlineData("http://0.0.0.0/hook")]
    [InlineData("http://224.0.0.1/hook")]
    [InlineData("http://[::1]/hook")]
    [InlineData("http://[::ffff:127.0.0.1]/hook")]
    [InlineData("http://[fe80::1]/hook")]
    [InlineData("http://[fd00::1]/hook")]
    [InlineData("http://localhost:8080/hook")]
    [InlineData("ftp://example.com/hook")]
    [InlineData("http://user:password@example.com/hook")]
    [InlineData("/relative/hook")]
    public async Task Internal_or_invalid_urls_are_refused_at_creation(string url)
    {
        var body = $$"""{"name":"x","trigger":{"events":["*"]},"actions":[{"type":"webhook","url":"{{url}}"}]}""";
        var problem = await (await App.Admin.PostJsonAsync("/v1/automations", body)).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("actions[0].url", out _), problem.ToString());
    }

    [Fact]
    public async Task A_name_that_does_not_resolve_yet_is_accepted_and_checked_when_sending()
    {
        var automation = await CreateAutomationAsync(App.Admin, new Uri("http://no-such-host.invalid/hook"));
        var test = await (await App.Admin.PostAsync($"/v1/automations/{automation.Id}/test", null, Ct))
            .ReadAsync(SmartApi.Contracts.SmartApiJsonContext.Default.AutomationTestResponse);
        var delivery = await DeliveryWhenAsync(App.Admin, test.DeliveryIds[0], d => d.AttemptCount == 1);
        Assert.Contains("does not resolve", delivery.Attempts![0].Error, StringComparison.Ordinal);
        Assert.Equal("pending", delivery.Status);
    }

    [Theory]
    [InlineData("127.0.0.1", false)]
    [InlineData("10.1.2.3", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("::1", false)]
    [InlineData("::ffff:10.0.0.1", false)]
    [InlineData("::ffff:169.254.169.254", false)]
    [InlineData("fc00::1", false)]
    [InlineData("ff02::1", false)]
    [InlineData("8.8.8.8", true)]
    [InlineData("2606:4700:4700::1111", true)]
    [InlineData("::ffff:8.8.8.8", true)]
    public void The_policy_classifies_addresses(string address, bool allowed)
    {
        var policy = App.Services.GetRequiredService<NetworkPolicy>();
        Assert.Equal(allowed, policy.IsAllowed(IPAddress.Parse(address)));
    }

    [Fact]
    public async Task The_connect_callback_refuses_a_name_that_resolves_to_loopback()
    {
        // What a DNS rebinding attack looks like at send time: the name now resolves to loopback.
        var policy = App.Services.GetRequiredService<NetworkPolicy>();
        await Assert.ThrowsAsync<BlockedAddressException>(async () => await policy.ConnectAsync(new DnsEndPoint("localhost", 80), Ct));
    }

    [Fact]
    public async Task Allowed_networks_open_a_range_and_redirects_are_not_followed()
    {
        await using var app = await SmartApiApplication.StartAsync(new Dictionary<string, string?>
        {
            ["SmartApi:Webhooks:AllowedNetworks:0"] = "127.0.0.2/32",
        });
        await using var inside = await WebhookReceiver.StartAsync();
        await using var allowed = await WebhookReceiver.StartAsync("127.0.0.2");
        allowed.Respond = (_, context) =>
        {
            context.Response.StatusCode = 302;
            context.Response.Headers.Location = inside.Url.ToString();
            return Task.CompletedTask;
        };
        var blocked = await app.Admin.PostJsonAsync("/v1/automations",
            $$"""{"name":"x","trigger":{"events":["*"]},"actions":[{"type":"webhook","url":"{{inside.Url}}"}]}""");
        await blocked.ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        var automation = await CreateAutomationAsync(app.Admin, allowed.Url);
        await app.Admin.PostAsync($"/v1/automations/{automation.Id}/test", null, Ct);
        var request = await allowed.NextAsync();
        var delivery = await DeliveryWhenAsync(app.Admin, request.Header("X-Delivery-Id"), d => d.AttemptCount == 1);
        Assert.Equal(302, delivery.Attempts![0].StatusCode);
        Assert.Equal("pending", delivery.Status);
        Assert.False(await inside.AnyWithinAsync(TimeSpan.FromMilliseconds(300)));
    }
}
