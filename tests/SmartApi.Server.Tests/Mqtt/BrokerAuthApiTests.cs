using System.Net;
using System.Text.Json;
using SmartApi.Contracts;

namespace SmartApi.Server.Tests.Mqtt;

/// <summary>
/// <c>/mqtt/auth</c> and <c>/mqtt/acl</c> called the way EMQX's HTTP authenticator and authorizer
/// call them (JSON bodies from its templates, the shared secret in a header).
/// </summary>
public sealed class BrokerAuthApiTests
{
    private const string Secret = "broker-secret-0123456789abcdef";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<SmartApiApplication> StartAsync(string rate = "1000") => SmartApiApplication.StartAsync(new Dictionary<string, string?>
    {
        ["SmartApi:Mqtt:BrokerAuthSecret"] = Secret,
        ["SmartApi:Mqtt:BrokerAuthRequestsPerSecond"] = rate,
    });

    private static async Task<(HttpStatusCode Status, string? Result)> AskAsync(SmartApiApplication app, string path, string json, string? secret = Secret)
    {
        using var client = app.CreateClient(key: null);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Http.Json(json) };
        if (secret is not null)
        {
            request.Headers.Add("X-Broker-Secret", secret);
        }
        using var response = await client.SendAsync(request, Ct);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return (response.StatusCode, null);
        }
        var body = await response.ReadAsync(SmartApiJsonContext.Default.BrokerAuthResponse);
        Assert.False(body.IsSuperuser);
        return (response.StatusCode, body.Result);
    }

    private static string Auth(string username, string password, string clientId) =>
        JsonSerializer.Serialize(new BrokerAuthRequest(username, password, clientId), SmartApiJsonContext.Default.BrokerAuthRequest);

    private static string Acl(string username, string topic, string action = "publish") =>
        JsonSerializer.Serialize(new BrokerAclRequest(username, topic, action, username), SmartApiJsonContext.Default.BrokerAclRequest);

    [Fact]
    public async Task A_device_is_allowed_with_its_current_password_only_and_other_users_are_left_to_the_broker()
    {
        await using var app = await StartAsync();
        var device = await SmartApiApplication.CreateDeviceAsync(app.Admin);
        var password = device.Credentials!.MqttPassword;

        var right = await AskAsync(app, "/mqtt/auth", Auth(device.Serial, password, device.Serial));
        var wrong = await AskAsync(app, "/mqtt/auth", Auth(device.Serial, password + "x", device.Serial));
        var otherClientId = await AskAsync(app, "/mqtt/auth", Auth(device.Serial, password, "someone-else"));
        var server = await AskAsync(app, "/mqtt/auth", Auth("smartapi", "server-secret", "smartapi-1"));
        var rotated = await (await app.Admin.PostAsync($"/v1/devices/{device.Id}/rotate-credentials", null, Ct)).ReadAsync(SmartApiJsonContext.Default.DeviceCredentials);
        var old = await AskAsync(app, "/mqtt/auth", Auth(device.Serial, password, device.Serial));
        var fresh = await AskAsync(app, "/mqtt/auth", Auth(device.Serial, rotated.MqttPassword, device.Serial));

        Assert.Equal((HttpStatusCode.OK, "allow"), right);
        Assert.Equal((HttpStatusCode.OK, "deny"), wrong);
        Assert.Equal((HttpStatusCode.OK, "deny"), otherClientId);
        Assert.Equal((HttpStatusCode.OK, "ignore"), server);
        Assert.Equal((HttpStatusCode.OK, "deny"), old);
        Assert.Equal((HttpStatusCode.OK, "allow"), fresh);
    }

    [Fact]
    public async Task A_device_may_publish_and_subscribe_under_its_own_prefix_only()
    {
        await using var app = await StartAsync();
        var device = await SmartApiApplication.CreateDeviceAsync(app.Admin);
        var other = await SmartApiApplication.CreateDeviceAsync(app.Admin);

        Assert.Equal("allow", (await AskAsync(app, "/mqtt/acl", Acl(device.Serial, $"devices/{device.Serial}/telemetry"))).Result);
        Assert.Equal("allow", (await AskAsync(app, "/mqtt/acl", Acl(device.Serial, $"devices/{device.Serial}/#", "subscribe"))).Result);
        Assert.Equal("deny", (await AskAsync(app, "/mqtt/acl", Acl(device.Serial, $"devices/{other.Serial}/telemetry"))).Result);
        Assert.Equal("deny", (await AskAsync(app, "/mqtt/acl", Acl(device.Serial, "devices/#", "subscribe"))).Result);
        Assert.Equal("deny", (await AskAsync(app, "/mqtt/acl", Acl(device.Serial, $"devices/{device.Serial}"))).Result);
        Assert.Equal("ignore", (await AskAsync(app, "/mqtt/acl", Acl("smartapi", "$share/smartapi/devices/+/telemetry", "subscribe"))).Result);
    }

    [Fact]
    public async Task Without_the_secret_the_broker_gets_401_and_past_its_rate_429_as_problem_json()
    {
        await using var app = await StartAsync(rate: "2");
        var body = Auth("DT31-1", "x", "DT31-1");

        using var client = app.CreateClient(key: null);
        var missing = await client.PostAsync("/mqtt/auth", Http.Json(body), Ct);
        using var wrongRequest = new HttpRequestMessage(HttpMethod.Post, "/mqtt/acl") { Content = Http.Json(Acl("DT31-1", "devices/DT31-1/state")) };
        wrongRequest.Headers.Add("X-Broker-Secret", Secret + "x");
        var wrong = await client.SendAsync(wrongRequest, Ct);
        using var limitedRequest = new HttpRequestMessage(HttpMethod.Post, "/mqtt/auth") { Content = Http.Json(body) };
        limitedRequest.Headers.Add("X-Broker-Secret", Secret);
        var limited = await client.SendAsync(limitedRequest, Ct); // the third call: the two refused ones count too

        await missing.ProblemAsync(HttpStatusCode.Unauthorized, "broker_secret_invalid");
        await wrong.ProblemAsync(HttpStatusCode.Unauthorized, "broker_secret_invalid");
        await limited.ProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
    }

    [Fact]
    public async Task Without_a_configured_secret_the_endpoints_do_not_exist()
    {
        await using var app = await SmartApiApplication.StartAsync();
        using var client = app.CreateClient(key: null);

        var response = await client.PostAsync("/mqtt/auth", Http.Json(Auth("DT31-1", "x", "DT31-1")), Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
