using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SmartApi.Server.Webhooks;
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

    /// <summary>
    /// Addresses webhooks must never reach, as URL hosts: IPv6 forms that embed a blocked IPv4
    /// address, the IPv6 special ranges, and IPv4 written the obfuscated ways parsers accept.
    /// </summary>
    public static TheoryData<string> RefusedHosts =>
    [
        "[::127.0.0.1]", "[::7f00:1]", "[::]", "[::1]", "[0:0:0:0:0:0:0:1]", // IPv4-compatible, unspecified, loopback
        "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[::ffff:169.254.169.254]", // IPv4-mapped
        "[::ffff:0:127.0.0.1]", "[::ffff:0:a00:1]", // IPv4-translated
        "[2002:7f00:1::]", "[2002:a9fe:a9fe::1]", "[2002:c0a8:101::]", // 6to4 of 127.0.0.1, 169.254.169.254, 192.168.1.1
        "[64:ff9b::127.0.0.1]", "[64:ff9b::a00:1]", "[64:ff9b:1::7f00:1]", "[64:ff9b:1:abcd::1]", // NAT64 well-known and local-use
        "[2001:0:7f00:1::1]", "[2001:0:4136:e378:8000:63bf:80ff:fffe]", // Teredo: server 127.0.0.1; client ~0x80fffffe = 127.0.0.1
        "[fe80::1]", "[fec0::1]", "[fd12:3456::1]", "[fc00::1]", "[ff02::1]", "[ff05::2]", // link-, site-, unique-local, multicast
        "[2001:db8::1]", "[3fff::1]", "[100::1]", "[2001:2::1]", "[2001:10::1]", "[2001:20::1]", "[5f00::1]", // documentation, discard, benchmarking, ORCHID, SRv6
        "2130706433", "0x7f000001", "0x7f.1", "127.1", "0177.0.0.1", "017700000001", "0x7f.0.0.1", "127.0.1", // 127.0.0.1 obfuscated
        "0", "3232235777", "0xa9.0xfe.0xa9.0xfe", // 0.0.0.0, 192.168.1.1, 169.254.169.254
        "192.88.99.1", // 6to4 relay anycast
    ];

    public static TheoryData<string> AcceptedHosts =>
    [
        "8.8.8.8", "[2606:4700:4700::1111]", "[::ffff:8.8.8.8]", "[64:ff9b::808:808]", "[2002:808:808::1]",
        "[2001:0:808:808:0:0:f7f7:f7f7]", // Teredo with public server 8.8.8.8 and client 8.8.8.8
        "134744072", // 8.8.8.8 as one integer
    ];

    [Theory]
    [MemberData(nameof(RefusedHosts))]
    public async Task Embedded_special_and_obfuscated_addresses_are_refused_at_creation(string host)
    {
        var body = $$"""{"name":"x","trigger":{"events":["*"]},"actions":[{"type":"webhook","url":"http://{{host}}/hook"}]}""";
        var problem = await (await App.Admin.PostJsonAsync("/v1/automations", body)).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("actions[0].url", out _), problem.ToString());
    }

    [Theory]
    [MemberData(nameof(AcceptedHosts))]
    public async Task Public_addresses_in_any_form_are_accepted_at_creation(string host)
    {
        var response = await App.Admin.PostJsonAsync("/v1/automations",
            $$"""{"name":"x","trigger":{"events":["*"]},"actions":[{"type":"webhook","url":"http://{{host}}/hook"}],"enabled":false}""");
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
    }

    [Theory]
    [MemberData(nameof(RefusedHosts))]
    public async Task Embedded_special_and_obfuscated_addresses_are_refused_at_connect(string host)
    {
        // The host as the handler hands it to the connect callback (Uri normalizes obfuscated IPv4).
        var normalized = new Uri($"http://{host}/").IdnHost;
        var policy = App.Services.GetRequiredService<NetworkPolicy>();
        await Assert.ThrowsAsync<BlockedAddressException>(async () => await policy.ConnectAsync(new DnsEndPoint(normalized, 80), Ct));
    }

    [Theory]
    [InlineData("::127.0.0.1")]
    [InlineData("::ffff:0:127.0.0.1")]
    [InlineData("2002:7f00:1::")]
    [InlineData("64:ff9b::7f00:1")]
    [InlineData("2001:0:7f00:1::")]
    [InlineData("fd00::1")]
    public async Task The_connect_callback_refuses_a_name_whose_dns_answers_embed_a_blocked_address(string answer)
    {
        // A DNS rebinding attacker answers AAAA records that embed loopback, beside a public one.
        var resolved = new List<string>();
        var policy = new NetworkPolicy(Options.Create(new WebhookOptions()))
        {
            Resolve = (name, _) =>
            {
                resolved.Add(name);
                return Task.FromResult<IPAddress[]>([IPAddress.Parse("2606:4700:4700::1111"), IPAddress.Parse(answer)]);
            },
        };
        var refused = await Assert.ThrowsAsync<BlockedAddressException>(async () => await policy.ConnectAsync(new DnsEndPoint("rebind.example", 80), Ct));
        Assert.Equal(["rebind.example"], resolved);
        Assert.Contains(IPAddress.Parse(answer).ToString(), refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1", false)]
    [InlineData("10.1.2.3", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("::1", false)]
    [InlineData("::", false)]
    [InlineData("::ffff:10.0.0.1", false)]
    [InlineData("::ffff:169.254.169.254", false)]
    [InlineData("::127.0.0.1", false)]
    [InlineData("::ffff:0:127.0.0.1", false)]
    [InlineData("2002:7f00:1::", false)]
    [InlineData("64:ff9b::127.0.0.1", false)]
    [InlineData("2001:0:7f00:1::", false)]
    [InlineData("fc00::1", false)]
    [InlineData("fe80::1%2", false)]
    [InlineData("ff02::1", false)]
    [InlineData("8.8.8.8", true)]
    [InlineData("2606:4700:4700::1111", true)]
    [InlineData("::ffff:8.8.8.8", true)]
    [InlineData("64:ff9b::8.8.8.8", true)]
    [InlineData("2002:808:808::", true)]
    public void The_policy_classifies_addresses(string address, bool allowed)
    {
        var policy = App.Services.GetRequiredService<NetworkPolicy>();
        Assert.Equal(allowed, policy.IsAllowed(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("127.0.0.0/8", "127.0.0.1", true)]
    [InlineData("127.0.0.0/8", "::ffff:127.0.0.1", true)] // the same socket destination as 127.0.0.1
    [InlineData("127.0.0.0/8", "2002:7f00:1::", false)] // an IPv4 range does not open its 6to4 or NAT64 forms
    [InlineData("127.0.0.0/8", "64:ff9b::7f00:1", false)]
    [InlineData("127.0.0.0/8", "::127.0.0.1", false)]
    [InlineData("2002:7f00::/24", "2002:7f00:1::", true)] // listed as IPv6, it is allowed
    [InlineData("fd00::/8", "fd00::1", true)]
    public void Allowed_networks_match_the_address_as_resolved(string network, string address, bool allowed)
    {
        var options = new WebhookOptions();
        options.AllowedNetworks.Add(network);
        Assert.Equal(allowed, new NetworkPolicy(Options.Create(options)).IsAllowed(IPAddress.Parse(address)));
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
