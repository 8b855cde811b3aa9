using System.Net;
using System.Text;
using CsCheck;

namespace SmartApi.Server.Tests.Infrastructure;

public sealed class ErrorHandlingTests(AppFixture fixture) : ServerTest(fixture)
{
    [Theory]
    [InlineData("""{"serial":""", "invalid_json")]
    [InlineData("""not json""", "invalid_json")]
    [InlineData("""[1,2]""", "invalid_json")]
    [InlineData("""{"serial":5,"name":"x"}""", "invalid_json")]
    [InlineData("""{"serial":"x","name":"y","unknown":1}""", "invalid_json")]
    [InlineData("""{"serial":"x","name":"y","tags":{"a":1}}""", "invalid_json")]
    [InlineData("""{"serial":"x","name":"y","tags":[]}""", "invalid_json")]
    [InlineData("", "invalid_body")]
    [InlineData("null", "invalid_body")]
    public async Task Malformed_bodies_are_400_problems(string body, string code)
    {
        var response = await App.Admin.PostJsonAsync("/v1/devices", body);
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest, code);
        Assert.DoesNotContain("SmartApi.", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Oversized_body_is_413()
    {
        var body = "{\"serial\":\"x\",\"name\":\"" + new string('a', 1024 * 1024 + 10) + "\"}";
        // Expect: 100-continue lets the server refuse on the Content-Length before the body is
        // sent; without it the answer races the upload, and the client may only see a broken pipe.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/devices") { Content = Http.Json(body) };
        request.Headers.ExpectContinue = true;
        var response = await App.Admin.SendAsync(request, Ct);
        await response.ProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Fact]
    public async Task Wrong_content_type_is_415()
    {
        var response = await App.Admin.PostAsync("/v1/devices", new StringContent("serial=x", Encoding.UTF8, "application/x-www-form-urlencoded"), Ct);
        await response.ProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }

    [Fact]
    public async Task Unknown_route_and_wrong_method_are_problems()
    {
        await (await App.Admin.GetAsync("/v1/nothing-here", Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await App.Admin.PutAsync("/v1/devices", Http.Json("{}"), Ct)).ProblemAsync(HttpStatusCode.MethodNotAllowed, "method_not_allowed");
    }

    private static readonly string[] Targets =
    [
        "POST /v1/devices", "PATCH /v1/devices/{device}", "POST /v1/devices/{device}/switch", "POST /v1/api-keys",
        "POST /v1/organizations", "GET /v1/events?{query}", "GET /v1/devices?{query}", "GET /v1/devices/{device}/measurements?{query}",
    ];

    private static readonly string[] Fragments =
    [
        "{", "}", "[", "]", ",", ":", "\"", "null", "true", "1e999", "-0", "\"serial\"", "\"name\"", "\"tags\"", "\"state\"",
        "\"on\"", "\"scopes\"", "\"admin\"", "\"settings\"", "\"powerOnState\"", "\"organizationId\"", "\\u0000", "é", "\uD83D",
        "limit=", "after=", "types=", "from=", "to=", "interval=", "tag=", "online=", "&", "%", "%00", "deviceId=",
    ];

    [Fact]
    public async Task Random_and_mutated_requests_never_get_a_5xx()
    {
        var device = await SmartApiApplication.CreateDeviceAsync(App.Admin);
        var valid = new[]
        {
            """{"serial":"DT31-PROP","name":"Prop","model":"DT31","tags":{"a":"b"},"settings":{"powerOnState":"on"}}""",
            """{"name":"x","tags":{"a":null},"settings":{"powerOnState":"last"}}""",
            """{"state":"toggle"}""",
            """{"name":"k","scopes":["devices:read"],"organizationId":"org_01M8BQWSSN0C43SSNM7Z9ZPGRB"}""",
            "limit=5&after=evt_01M8BQWSSN0C43SSNM7Z9ZPGRB&types=device.created",
        };
        var mutated = Gen.Select(Gen.OneOfConst(valid), Gen.Int[0, 200], Gen.Int[0, 8], Gen.OneOfConst(Fragments))
            .Select((text, position, cut, fragment) =>
            {
                var at = Math.Min(position, text.Length);
                return text[..at] + fragment + text[Math.Min(text.Length, at + cut)..];
            });
        var random = Gen.OneOfConst(Fragments).Array[0, 12].Select(parts => string.Concat(parts));
        var bodies = Gen.Frequency((3, mutated), (1, random), (1, Gen.String));

        await Gen.Select(Gen.OneOfConst(Targets), bodies).SampleAsync(async (target, body) =>
        {
            var (method, path) = (target[..target.IndexOf(' ', StringComparison.Ordinal)], target[(target.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
            path = path.Replace("{device}", device.Id, StringComparison.Ordinal).Replace("{query}", body, StringComparison.Ordinal);
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (method != "GET")
            {
                request.Content = Http.Json(body);
            }
            HttpResponseMessage response;
            try
            {
                response = await App.Admin.SendAsync(request, Ct);
            }
            catch (UriFormatException)
            {
                return true; // the client refused to send it; nothing reached the server
            }
            var status = (int)response.StatusCode;
            if (status >= 500)
            {
                Assert.Fail($"{method} {path} with {body} answered {status}: {await response.Content.ReadAsStringAsync(Ct)}");
            }
            return status < 400 || response.Content.Headers.ContentType?.MediaType == "application/problem+json";
        }, iter: 400, threads: 1);
    }
}
