using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using SmartApi.Contracts;

namespace SmartApi.Server.Tests.Webhooks;

/// <summary>Helpers shared by the webhook tests: creating automations and checking signatures independently.</summary>
internal static class WebhookTestKit
{
    public static readonly Dictionary<string, string?> AllowLoopback = new() { ["SmartApi:Webhooks:AllowPrivateNetworks"] = "true" };

    public static async Task<AutomationResponse> CreateAutomationAsync(
        HttpClient client, Uri url, string events = "\"*\"", string deviceIds = "", string extra = "")
    {
        var body = $$"""
            {"name":"Forward","trigger":{"events":[{{events}}],"deviceIds":[{{deviceIds}}]},
             "actions":[{"type":"webhook","url":"{{url}}"{{extra}}}]}
            """;
        var response = await client.PostJsonAsync("/v1/automations", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return (await response.Content.ReadFromJsonAsync(SmartApiJsonContext.Default.AutomationResponse))!;
    }

    /// <summary>An independent few-line check of X-Signature: HMAC-SHA256 keyed with the secret's UTF-8 bytes over "t.body".</summary>
    public static bool SignatureMatches(string header, string secret, byte[] body)
    {
        var parts = header.Split(';');
        if (parts[0] != "v=1" || !parts[1].StartsWith("t=", StringComparison.Ordinal))
        {
            return false;
        }
        var signed = Encoding.UTF8.GetBytes(parts[1][2..] + ".").Concat(body).ToArray();
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
        return parts.Skip(2).Any(p => p == "sig=" + expected);
    }

    /// <summary>Reads a delivery until <paramref name="done"/> holds (the dispatcher records outcomes asynchronously).</summary>
    public static async Task<DeliveryResponse> DeliveryWhenAsync(HttpClient client, string id, Func<DeliveryResponse, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var delivery = (await (await client.GetAsync($"/v1/deliveries/{id}")).Content.ReadFromJsonAsync(SmartApiJsonContext.Default.DeliveryResponse))!;
            if (done(delivery))
            {
                return delivery;
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Delivery {id} did not reach the expected state: {delivery}");
            }
            await Task.Delay(20);
        }
    }

    public static async Task<DeliveryResponse> OnlyDeliveryAsync(HttpClient client, string automationId)
    {
        var page = (await (await client.GetAsync($"/v1/deliveries?automationId={automationId}")).Content.ReadFromJsonAsync(SmartApiJsonContext.Default.PageDeliveryResponse))!;
        return Assert.Single(page.Data);
    }
}
